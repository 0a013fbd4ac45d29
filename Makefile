# The two ways in: `make run` (zero-setup demo) and `make test` (the whole suite on PostgreSQL
# and Redis). Everything else is a helper of those two.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# The zero-service mode: a SQLite file, Celery tasks run in-process, demo logins.
RUN_ENV := DEBUG=true \
	SECRET_KEY=insecure-local-development-key-only-for-make-run \
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 \
	REDIS_URL= \
	CELERY_TASK_ALWAYS_EAGER=true \
	HTTPS=false \
	DEMO_MODE=true \
	ALLOWED_HOSTS=127.0.0.1,localhost \
	EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend

.PHONY: run test lint bench translations messages clean system-packages system-packages-run \
	backup restore

# setuptools warns on every editable install that local folders may shadow the package; the
# project installs no package of its own (pyproject.toml), so the warning says nothing here.
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install -q

$(VENV)/.deps-run: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -c constraints.txt -e .
	touch $@

# The maps extra too: the suite checks that the committed map files are what
# `manage.py build_region_maps` writes from the package's geometry.
$(VENV)/.deps-dev: $(VENV)/.deps-run
	$(PIP_INSTALL) -c constraints.txt -e ".[dev,maps]"
	touch $@

# The Debian/Ubuntu packages each way in needs, checked first: installed when run as root with
# apt-get, otherwise the exact command to run is printed and nothing else starts.
system-packages:
	@PYTHON=$(PYTHON) VENV=$(VENV) scripts/system-packages test

system-packages-run:
	@PYTHON=$(PYTHON) VENV=$(VENV) scripts/system-packages run

translations: $(VENV)/.deps-run
	@$(RUN_ENV) $(PY) manage.py compiletranslations

# The commands are not echoed: the console shows what they say, then the requests.
run: system-packages-run $(VENV)/.deps-run translations
	@$(RUN_ENV) $(PY) manage.py migrate --noinput
	@$(RUN_ENV) $(PY) manage.py load_reference_data
	@$(RUN_ENV) $(PY) manage.py load_demo_data
	@echo "Serving the portal at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; see README.md).
test: system-packages $(VENV)/.deps-dev translations
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Benchmarks, on a PostgreSQL database of their own that the bench creates and migrates; they
# print figures beside their targets and assert nothing (see README.md).
# SCALE=national: ten times today's data, in a database of its own (see README.md).
SCALE ?= today
ifeq ($(SCALE),national)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/resumption_portal_national
else
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/resumption_portal_bench
endif
BENCH_ENV := DJANGO_SETTINGS_MODULE=bench.settings \
	BENCH_SCALE=$(SCALE) \
	DATABASE_URL=$(BENCH_DATABASE_URL) \
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
	SECRET_KEY=bench-only-secret-key-not-for-production-0123456789abcdef \
	HTTPS=false \
	ALLOWED_HOSTS=testserver,localhost \
	REDIS_URL=redis://127.0.0.1:6379/14 \
	CACHE_KEY_PREFIX=bench \
	CELERY_KEY_PREFIX=bench:

# `make bench ONLY=needs` (or several: ONLY="batches needs") runs only those sections.
bench: $(VENV)/.deps-dev translations
	$(BENCH_ENV) $(PY) -m bench $(ONLY)

# Simulated people of every role against gunicorn on loopback, over the bench database (or the
# national one with SCALE=national), for LOADTEST_SECONDS; prints requests/s, p50/p95/p99 per
# endpoint and the errors (bench/loadtest; knobs LOADTEST_USERS, _SECONDS, _WORKERS, _SPAWN_RATE).
.PHONY: loadtest
loadtest: $(VENV)/.deps-dev translations
	$(BENCH_ENV) $(PY) -m bench.loadtest

# Backups of the database (pg_dump, custom format) and the uploaded files (MEDIA_ROOT) into
# BACKUP_DIR/<UTC time>/ with a manifest of checksums; `make restore FROM=backups/<time>` puts
# one back into DATABASE_URL (created if absent; FORCE=1 to replace a database that has tables).
# Only Python and the PostgreSQL client tools are needed (see README.md, Backups).
BACKUP_DIR ?= $(CURDIR)/backups
BACKUP_PY := $(if $(wildcard $(PY)),$(PY),$(PYTHON))

backup:
	@BACKUP_DIR="$(BACKUP_DIR)" $(BACKUP_PY) scripts/backup

restore:
	@test -n "$(FROM)" || { echo "make restore FROM=<backup directory>, e.g. FROM=$(BACKUP_DIR)/20200210T060000Z" >&2; exit 2; }
	@FORCE="$(FORCE)" $(BACKUP_PY) scripts/restore "$(FROM)"

lint: $(VENV)/.deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Extract the translatable strings into locale/ (needs GNU gettext).
messages: $(VENV)/.deps-dev
	$(RUN_ENV) $(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
	find locale -name '*.mo' -delete
