"""Settings for `make bench`: the real settings module, fed the bench's environment.

The bench always works in its own database (BENCH_DATABASE_URL), never in the one DATABASE_URL
names, because it creates and deletes a hundred thousand enterprises at a time.
"""

import os
import warnings

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resumption_portal_bench"
)
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CACHE_KEY_PREFIX", "bench")
os.environ.setdefault("CELERY_KEY_PREFIX", "bench:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The bench measures pages with logged-in test clients, which cannot type an authenticator's
# code; the second factor has tests of its own.
os.environ.setdefault("OTP_REQUIRED_ROLES", "")
if os.environ.get("BENCH_SCALE") == "national":
    # The national member import reads one file of 1,000,000 rows (145 MiB): past the limits a
    # person's upload has (20 MiB, 200,000 rows), which are not what is measured.
    os.environ.setdefault("IMPORT_MAX_ROWS", "1000000")
    os.environ.setdefault("UPLOAD_MAX_BYTES", str(256 * 2**20))

from resumption_portal.settings import *  # noqa: E402, F403

# Pages render `{% static %}` without a collectstatic manifest (nothing is written outside
# bench-data/); looking a name up in the manifest costs the same as not looking it up.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Nor is there a collected STATIC_ROOT for WhiteNoise to serve; the bench asks for no file.
warnings.filterwarnings("ignore", message="No directory at: ")
