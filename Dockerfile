FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Chinese text in generated PDF reports: fonts-wqy-zenhei is the TrueType CJK font they embed
# (REPORT_PDF_FONT); reportlab cannot embed the CFF outlines of fonts-noto-cjk.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL= \
    python manage.py compiletranslations \
    && SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL= \
    python manage.py collectstatic --noinput

RUN useradd --create-home portal
USER portal
EXPOSE 8000
CMD ["gunicorn", "resumption_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
