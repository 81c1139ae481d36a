"""Settings read from the environment (12-factor).

With DEPLOYMENT=development and no other variables this is the embedded default: SQLite in WAL
mode, a Celery broker in its own SQLite file (no server process), a cache in files shared by
every process, local media storage and console email. DATABASE_URL, CELERY_BROKER_URL,
REDIS_URL, AWS_* storage settings and ENGINE_URL switch to production parts. Without
DEPLOYMENT=development the guard at the bottom refuses to start on development values.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from accessprogram import deployment
from accessprogram.celery_schedule import beat_schedule
from accessprogram.logging_config import logging_config
from accessprogram.webhook_settings import webhook_settings

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's sessions page uses it
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "accessprogram.accounts",
    "accessprogram.audit",
    "accessprogram.programs",
    "accessprogram.operations",
    "accessprogram.access",
    "accessprogram.compensation",
    "generation",
    "review",
    "accessprogram.feedback",
    "accessprogram.webhooks",
    "accessprogram.console",
    "accessprogram.observability",
]

MIDDLEWARE = [
    # First: probes answer before host checks, HTTPS redirects, sessions and gates (see module).
    "accessprogram.observability.middleware.ProbeMiddleware",
    "accessprogram.observability.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "accessprogram.request_limits.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accessprogram.programs.middleware.AgreementGateMiddleware",
]

# Whole request bodies, files included (see accessprogram.request_limits): bug reports take
# five 10 MB attachments; the console's leak trace takes one video of up to 200 MB.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=60 * 1024 * 1024)
LARGE_REQUEST_PATHS = {"/console/review/trace/": 201 * 1024 * 1024}

ROOT_URLCONF = "accessprogram.urls"
WSGI_APPLICATION = "accessprogram.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accessprogram.access.context_processors.access_notices",
                "accessprogram.access.context_processors.navigation",
                "accessprogram.programs.context_processors.agreement_notices",
                "accessprogram.console.context_processors.console_access",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if _sqlite:
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server, the worker and beat read while one of them writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory: test runs share the database with real worker processes.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Opening a connection costs more than most requests' queries (SQLite: 1 ms of CPU, then each
# statement prepared afresh; PostgreSQL: ms): SQLite's are kept, production may keep PostgreSQL's.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600 if _sqlite else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every process on this host: login throttles and token anomaly counts must not
    # be kept per gunicorn worker (accessprogram.shared_cache). No culling at 300 entries.
    CACHES = {
        "default": {
            "BACKEND": "accessprogram.shared_cache.SharedDiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "DATABASE_TIMEOUT": 1.0,  # seconds a busy shard is waited for
        }
    }
# Web processes: the Procfile's `gunicorn --workers ${WEB_CONCURRENCY:-2}`, same variable and
# default. With more than one a per-process cache is a system check error (access.checks).
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=2)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "after-sign-in"  # the page of one's role (access.policy.landing_page)
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Accounts (django-allauth) --------------------------------------------------------------
# Sign-up only through an invitation link (see accessprogram.programs.adapters).
ACCOUNT_ADAPTER = "accessprogram.programs.adapters.InvitationAccountAdapter"
ACCOUNT_FORMS = {"signup": "accessprogram.programs.forms.InvitationSignupForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Early access] "
# Failed sign-ins are rate limited per address and per account (allauth's defaults, explicit).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Early access"
# Every staff role (reviewer, program manager, finance, admin) must set up TOTP before opening a
# staff page; testers may. Only switched off by tests that are about something else.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=True)
USERSESSIONS_TRACK_ACTIVITY = False  # no write on every request
# Invitation links: where they point, and how long they work.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)
# The public application page: submissions per client address and per email address.
APPLY_RATE_PER_IP = env("APPLY_RATE_PER_IP", default="10/h")
APPLY_RATE_PER_ADDRESS = env("APPLY_RATE_PER_ADDRESS", default="3/d")
# A share request waiting longer than this is overdue (reviewer queue, console service levels).
REVIEW_SLA_HOURS = env.int("REVIEW_SLA_HOURS", default=24)
# A blocked tester's appeal is answered within this (the console's appeal queue shows it).
APPEAL_SLA_HOURS = env.int("APPEAL_SLA_HOURS", default=72)
# An approval's public link goes live this many seconds after the decision; until then the
# reviewer can undo it (0: live at once).
SHARE_APPROVAL_UNDO_SECONDS = env.int("SHARE_APPROVAL_UNDO_SECONDS", default=10)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root
WHITENOISE_USE_FINDERS = True  # serve straight from the source tree; no collectstatic needed

# Media is never served from a public URL: views authorise every download.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
    _media_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Mail goes through a wrapper that counts delivery failures (metrics) around the real backend.
# Development mail is written to files under VAR_DIR/mail, not printed: emails carry secrets
# (invitation links, sign-in codes) that must not end up in process logs.
EMAIL_BACKEND = "accessprogram.observability.mail.CountingEmailBackend"
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# The SMTP backend's server (Django's names and defaults).
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="early-access@localhost")

# --- Celery ---------------------------------------------------------------------------------
# Embedded default: a broker in its own SQLite file (accessprogram.runtime.broker: claims survive
# a killed worker, unreadable messages are set aside). Production sets redis:// or amqp://.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=f"sqlite:///{VAR_DIR / 'broker.sqlite3'}")
if CELERY_BROKER_URL.startswith("sqlite://"):
    CELERY_BROKER_TRANSPORT = "accessprogram.runtime.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": env.float("CELERY_POLLING_INTERVAL", default=0.05),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep Django's LOGGING in worker processes
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Revocations' follow-ups never queue behind bulk work: a dedicated "safety" queue and worker.
CELERY_TASK_ROUTES = {
    "access.end_sessions_for_block": {"queue": "safety"},
    "generation.tasks.cancel_jobs_after_block": {"queue": "safety"},
}
CELERY_BEAT_SCHEDULE = beat_schedule(env)
globals().update(webhook_settings(env, secret_key=SECRET_KEY, beat=CELERY_BEAT_SCHEDULE))

# --- Generation engine ----------------------------------------------------------------------
ENGINE_URL = env("ENGINE_URL", default="http://127.0.0.1:8100")
ENGINE_SECRET = env("ENGINE_SECRET", default="dev-engine-secret")
ENGINE_TIMEOUT_SECONDS = env.float("ENGINE_TIMEOUT_SECONDS", default=10.0)
# How long one sweep may hold the dispatcher lease before another worker may take over.
GENERATION_LEASE_SECONDS = env.float("GENERATION_LEASE_SECONDS", default=30.0)
# A job claimed for dispatch whose engine id was never recorded is re-sent after this long.
GENERATION_REDISPATCH_AFTER_SECONDS = env.float("GENERATION_REDISPATCH_AFTER_SECONDS", default=15.0)

# --- Content credentials (C2PA) -------------------------------------------------------------
# Every rendition is signed with this certificate chain (PEM, end-entity first) and key.
# Development: `manage.py make_dev_certificate` writes a dev CA and signer under VAR_DIR/c2pa/.
C2PA_DEV_DIR = VAR_DIR / "c2pa"
C2PA_CERT_CHAIN_PATH = env("C2PA_CERT_CHAIN_PATH", default=str(C2PA_DEV_DIR / "chain.pem"))
C2PA_PRIVATE_KEY_PATH = env("C2PA_PRIVATE_KEY_PATH", default=str(C2PA_DEV_DIR / "signer.key"))
# Roots a manifest reader trusts (the trace report says Trusted instead of Valid for them).
C2PA_TRUST_ANCHORS_PATH = env("C2PA_TRUST_ANCHORS_PATH", default=str(C2PA_DEV_DIR / "root.pem"))
# Presigned media URLs (S3 mode) work this long after the authorising request.
MEDIA_URL_SECONDS = env.int("MEDIA_URL_SECONDS", default=60)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Early-access tester API",
    "DESCRIPTION": "OpenAI-compatible video endpoints for program testers.",
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Docs assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Token last-used time is written at most this often, keeping writes off the hot path.
API_TOKEN_LAST_USED_RESOLUTION_SECONDS = 60

# --- Leak response --------------------------------------------------------------------------
# Secret scanners sign their reports to /v1/leaked-tokens with this (HMAC-SHA256).
LEAK_SCANNER_SECRET = env("LEAK_SCANNER_SECRET", default="dev-scanner-secret")
# Defaults for a program without an AnomalyPolicy: past any of these within the window, the
# token is suspended automatically. Counted in the cache, never in the database.
ANOMALY_WINDOW_SECONDS = env.int("ANOMALY_WINDOW_SECONDS", default=60)
ANOMALY_MAX_ADDRESSES = env.int("ANOMALY_MAX_ADDRESSES", default=20)
ANOMALY_MAX_REQUESTS = env.int("ANOMALY_MAX_REQUESTS", default=600)
ANOMALY_MAX_USER_AGENTS = env.int("ANOMALY_MAX_USER_AGENTS", default=10)
# New API tokens per user (the portal's token page), counted in the shared cache.
TOKEN_CREATE_RATE = env("TOKEN_CREATE_RATE", default="10/h")
# Proxies in front of the app that append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Compensation ---------------------------------------------------------------------------
# What compensation asks of the layers above (activity beside time logs), like allauth's adapter.
COMPENSATION_ADAPTER = "accessprogram.console.activity.ConsoleCompensationAdapter"

# --- Observability (health, readiness, metrics) ---------------------------------------------
# Processes on one host (gunicorn workers, Celery pool children) share metric files here;
# prometheus_client reads the variable when first imported, which is after settings load.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default=str(VAR_DIR / "prometheus"))
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR
# /metrics: callers must come from these networks and, when set, present this bearer token.
# With DEPLOYMENT=production and no token it is not served at all.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
# A Celery worker records a heartbeat this often while it consumes; older than the max age
# means not consuming (manage.py worker_health, /readyz).
WORKER_HEARTBEAT_SECONDS = env.float("WORKER_HEARTBEAT_SECONDS", default=5.0)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.float("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=30.0)
# The /readyz broker check gives up after this long (database and cache: their own timeouts).
READINESS_TIMEOUT_SECONDS = env.float("READINESS_TIMEOUT_SECONDS", default=2.0)

LOGGING = logging_config(level=env("LOG_LEVEL", default="INFO"))

# --- Audit trail -----------------------------------------------------------------------------
# Seals and links of audit records are HMAC-SHA256 under this key, kept outside the database:
# whoever can rewrite the table cannot re-hash it without the key (see docs/audit.md).
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", default="dev-audit-hmac-key")
# Where every chain's head is appended, signed, each export interval: storage outside the database
# (production: an append-only or object-locked mount), so rewriting the table and its heads shows.
AUDIT_HEAD_EXPORT_DIR = Path(env("AUDIT_HEAD_EXPORT_DIR", default="") or VAR_DIR / "audit-heads")

# --- Production guard -----------------------------------------------------------------------
# Fails closed: unless DEPLOYMENT=development says this is a development run (`make run`,
# `make test`), the process refuses to start on development secrets, DEBUG, console email,
# a cache without Redis, no PORTAL_URL or plain HTTP to a remote engine (accessprogram.deployment),
# and turns on HTTPS-only cookies, HSTS and the proxy's scheme header.
DEPLOYMENT = env("DEPLOYMENT", default=deployment.PRODUCTION)
if DEPLOYMENT not in deployment.MODES:
    raise ImproperlyConfigured(
        f"DEPLOYMENT is {DEPLOYMENT!r}: set DEPLOYMENT to production or development."
    )
if DEPLOYMENT == deployment.PRODUCTION:
    _problems = deployment.production_problems(
        debug=DEBUG,
        secrets={
            "SECRET_KEY": SECRET_KEY,
            "ENGINE_SECRET": ENGINE_SECRET,
            "LEAK_SCANNER_SECRET": LEAK_SCANNER_SECRET,
            "AUDIT_HMAC_KEY": AUDIT_HMAC_KEY,
        },
        explicitly_set={name for name in env.ENVIRON if env.ENVIRON[name]},
        email_backend=EMAIL_DELIVERY_BACKEND,
        engine_url=ENGINE_URL,
    )
    if _problems:
        raise ImproperlyConfigured(deployment.refusal(_problems))
    # HTTPS-only cookies, HSTS and the proxy's scheme header (deployment.https_settings).
    globals().update(deployment.https_settings(env))
