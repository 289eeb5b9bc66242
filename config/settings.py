"""Quarry settings. Every value that differs between a laptop and a cluster comes from the
environment; the README lists each variable."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from . import db_roles
from .env import (
    BASE_DIR,
    EMBEDDED_DATABASE,
    VAR_DIR,
    embedded_database_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    local_secret_key,
)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "core",
    "cases",
    "accounts",
    "detection",
    "evidence",
    "routing",
    "exports",
    "web",
    "ops",
]
# Demo data, the reference detector and the seed commands: `make run`, `make test` and
# `make bench` set QUARRY_DEVDATA; a deployment never does (and its image does not carry them).
if env_bool("QUARRY_DEVDATA", False):
    INSTALLED_APPS.append("devdata")

MIDDLEWARE = [
    "core.health.HealthzMiddleware",  # first: before the host check and the https redirect
    "django.middleware.security.SecurityMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "core.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.request_guards.AnonymousBodyLimitMiddleware",
    "core.request_guards.NulCharacterMiddleware",
    "core.request_guards.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it turns a sign-in refused by the axes backend into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# One image, two services: `web` (pages and the whole API) and `ingest`, which answers only
# what detectors call (config/urls_ingest.py), run by gunicorns of their own so that a burst of
# batches takes the ingestion processes' CPU, not the investigators' (docs/capacity.md).
SERVICES = {"web": "config.urls", "ingest": "config.urls_ingest"}
QUARRY_SERVICE = env_str("QUARRY_SERVICE", "web")
if QUARRY_SERVICE not in SERVICES:
    raise ImproperlyConfigured(
        f"QUARRY_SERVICE must be one of {', '.join(SERVICES)}, got {QUARRY_SERVICE!r}"
    )
ROOT_URLCONF = SERVICES[QUARRY_SERVICE]
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.roles",
            ],
        },
    }
]
FORM_RENDERER = "core.forms_renderer.FormRenderer"


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # Web pages run short queries whose cost estimates (correlated EXISTS for visibility) can
    # cross the JIT threshold: compiling then costs more than the query. Off for our connections.
    config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A database host that takes the connection but never answers (a fail-over in progress, a
    # network partition) would otherwise hold the request until gunicorn kills the worker; with
    # a bound, the request gets the 503 with Retry-After like any other unreachable database.
    config["OPTIONS"]["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 10)
    return config


# Two logins (config/db_roles.py): the app's, which owns nothing and may only SELECT and INSERT
# on the audit, custody and evidence tables, and the owner's, used by `manage.py migrate` alone.
# With DATABASE_URL but no DATABASE_OWNER_URL, one login does both (as before the split).
_embedded_owner, _embedded_app = db_roles.role_names(EMBEDDED_DATABASE)
_app_url = env_str("DATABASE_URL") or embedded_database_url(_embedded_app)
_owner_url = env_str("DATABASE_OWNER_URL") or (
    _app_url if env_str("DATABASE_URL") else embedded_database_url(_embedded_owner)
)
DATABASES = {
    "default": _database(_app_url),
    "owner": {**_database(_owner_url), "CONN_MAX_AGE": 0, "TEST": {"MIRROR": "default"}},
}
# The role the owner grants the app's privileges to after each migration (core/apps.py).
QUARRY_DATABASE_APP_ROLE = DATABASES["default"]["USER"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "core.errorpages.csrf_failure"  # branded page; JSON under /api/
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

# Evidence lives on local disk under var/ unless S3-compatible storage is configured.
EVIDENCE_STORAGE = env_str("EVIDENCE_STORAGE", "local")
if EVIDENCE_STORAGE == "s3":
    _evidence_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", "quarry-evidence"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
elif EVIDENCE_STORAGE == "local":
    _evidence_storage = {
        "BACKEND": "evidence.storage.EvidenceFileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "evidence")},
    }
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"EVIDENCE_STORAGE must be 'local' or 's3', got {EVIDENCE_STORAGE!r}"
    )

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "evidence": _evidence_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
EVIDENCE_UPLOAD_TMP = VAR_DIR / "tmp"  # same filesystem as var/evidence: stored by rename
EVIDENCE_UPLOAD_TMP.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_TEMP_DIR = str(EVIDENCE_UPLOAD_TMP)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "core.uploads.LockedTemporaryFileUploadHandler",  # the sweep leaves a live upload alone
]
# Upload temp files not written for this long, and unlocked, were left by a dead process.
QUARRY_UPLOAD_TMP_GRACE_SECONDS = env_int("QUARRY_UPLOAD_TMP_GRACE_SECONDS", 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024 * 1024)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 5 * 1024**3)
# A request from no signed-in user and no detector declaring a longer body is refused (413)
# before it is read: the sign-in form is the largest thing an anonymous client posts.
QUARRY_ANONYMOUS_MAX_BODY_BYTES = env_int("QUARRY_ANONYMOUS_MAX_BODY_BYTES", 64 * 1024)

# Celery: a broker that needs no server by default (kombu's filesystem transport under var/).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_QUEUE_DIR = Path(env_str("QUARRY_CELERY_QUEUE_DIR", str(VAR_DIR / "celery")))
if CELERY_BROKER_URL == "filesystem://":
    (CELERY_QUEUE_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (CELERY_QUEUE_DIR / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://", "sentinel://")):
    # A message taken by a worker that dies unacknowledged goes back to the queue only after
    # this many seconds. A task still running then is delivered a second time (a no-op: every
    # task claims its row), so it must exceed the longest export; the recovery sweep below
    # republishes a dead worker's export or recompute long before.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 12 * 3600),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# django-celery-beat's DatabaseScheduler, which also runs the recovery sweep (ops/beat.py).
CELERY_BEAT_SCHEDULER = "ops.beat:RecoveringScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "detection.throttles.UserRateThrottle",
        "detection.throttles.DetectorRateThrottle",
        "detection.throttles.AnonRateThrottle",
    ],
    # The API takes JSON bodies only, and its schema says so (a client generated from it sends
    # JSON, never a form).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.QuarryAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    # JSON only: the browsable API's pages carry inline styles the CSP refuses, and the
    # interactive documentation is /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# The most rows one API list request returns (`limit` beyond it is refused with 400).
QUARRY_API_MAX_LIMIT = env_int("QUARRY_API_MAX_LIMIT", 1000)


def _api_rate(name: str, default: str) -> str:
    """A DRF rate such as "1200/min"; anything else stops start-up naming the variable."""
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not count.isdigit() or period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{name} must look like 1200/min, not {value!r}.")
    return value


# API rate limits. A detector's budget counts requests; one request carries a batch of signals.
QUARRY_API_RATE_USER = _api_rate("QUARRY_API_RATE_USER", "1200/min")
QUARRY_API_RATE_DETECTOR = _api_rate("QUARRY_API_RATE_DETECTOR", "6000/min")
QUARRY_API_RATE_ANON = _api_rate("QUARRY_API_RATE_ANON", "120/min")
# The cache (dashboard charts, filter choices) is one for all web processes: a Redis named by
# CACHE_URL in production, else a table in the database (made by core's migrations). API rate
# limits are kept in the database either way (core.ratelimit).
if env_str("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "quarry_cache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
SPECTACULAR_SETTINGS = {
    "TITLE": "Quarry API",
    "DESCRIPTION": "Cases, accounts, signals and evidence for model-theft investigations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.models.State",
        "SeverityEnum": "cases.models.Severity",
        "TaskStatusEnum": "cases.models.TaskStatus",
        "TaskTemplateEnum": "cases.case_tasks.TEMPLATE_CHOICES",
        "AttributeTypeEnum": "detection.schema.ATTRIBUTE_TYPE_VALUES",
    },
    # Request bodies apart from responses ("SignalDocRequest"): what a client sends is one
    # model, what it reads another.
    "COMPONENT_SPLIT_REQUEST": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "detection.schema.contract_refine",
    ],
}

# A member's reads of a restricted case write one `case.viewed` per this many seconds at most.
QUARRY_CASE_VIEW_COALESCE_SECONDS = env_int("QUARRY_CASE_VIEW_COALESCE_SECONDS", 15 * 60)
# Who we are in exported bundles, and how long each SLA clock runs per severity.
QUARRY_ORGANIZATION = env_str("QUARRY_ORGANIZATION", "Quarry demo lab")
QUARRY_SLA = {
    "critical": {"triage": timedelta(hours=1), "resolve": timedelta(days=3)},
    "high": {"triage": timedelta(hours=4), "resolve": timedelta(days=7)},
    "medium": {"triage": timedelta(hours=24), "resolve": timedelta(days=14)},
    "low": {"triage": timedelta(hours=72), "resolve": timedelta(days=30)},
}
QUARRY_EXPORT_KEY_PATH = env_str(
    "QUARRY_EXPORT_KEY_PATH", str(VAR_DIR / "keys" / "export_ed25519.pem")
)
QUARRY_EXPORT_DIR = env_str("QUARRY_EXPORT_DIR", str(VAR_DIR / "exports"))
# Audit checkpoints (exports/checkpoints.py): chain heads signed and written to the evidence
# store every few minutes, optionally time-stamped by an RFC 3161 authority.
QUARRY_CHECKPOINT_INTERVAL_SECONDS = env_int("QUARRY_CHECKPOINT_INTERVAL_SECONDS", 300)
QUARRY_CHECKPOINT_MAX_AGE_SECONDS = env_int("QUARRY_CHECKPOINT_MAX_AGE_SECONDS", 1800)
QUARRY_TSA_URL = env_str("QUARRY_TSA_URL")
QUARRY_TSA_CA_FILE = env_str("QUARRY_TSA_CA_FILE")
QUARRY_TSA_TIMEOUT_SECONDS = env_int("QUARRY_TSA_TIMEOUT_SECONDS", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# Failed sign-ins: at most this many per username and address within the window, then 429.
# django-axes counts them (core/signin.py), for /login/ and /admin/login/ alike.
QUARRY_SIGNIN_MAX_FAILURES = env_int("QUARRY_SIGNIN_MAX_FAILURES", 5)
QUARRY_SIGNIN_WINDOW_SECONDS = env_int("QUARRY_SIGNIN_WINDOW_SECONDS", 15 * 60)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the user's roles with the user (sessions that name ModelBackend
    # itself, from before, sign in again once).
    "core.roles.RolesModelBackend",
]
AXES_FAILURE_LIMIT = "core.signin.signin_failure_limit"
AXES_COOLOFF_TIME = "core.signin.signin_window"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "core.signin.signin_username"
AXES_CLIENT_IP_CALLABLE = "core.signin.signin_address"
AXES_LOCKOUT_CALLABLE = "core.signin.signin_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
# Lock-outs are cleared with `manage.py axes_reset` (or axes_reset_username), not in the admin.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Detector integration (detection app): beat polls pull feeds and sweeps unrouted signals.
QUARRY_DB_RETRY_AFTER_SECONDS = env_int("QUARRY_DB_RETRY_AFTER_SECONDS", 5)
CELERY_BEAT_SCHEDULE = {
    # Every second: a feed is polled when its own poll_interval_seconds says, give or take one.
    "detection-feeds-poll-due": {
        "task": "detection.tasks.feeds_poll_due",
        "schedule": float(env_int("QUARRY_FEED_BEAT_SECONDS", 1)),
    },
    "cases-case-counts-compact": {
        "task": "cases.tasks.case_counts_compact",
        "schedule": 300.0,
    },
    "detection-signal-counts-compact": {
        "task": "detection.tasks.signal_counts_compact",
        "schedule": 300.0,
    },
    "detection-signals-route-pending": {
        "task": "detection.tasks.signals_route_pending",
        "schedule": 30.0,
    },
    # Anchor the audit chains' heads outside the database (exports/checkpoints.py).
    "exports-audit-checkpoint": {
        "task": "exports.tasks.audit_checkpoint_task",
        "schedule": float(QUARRY_CHECKPOINT_INTERVAL_SECONDS),
    },
    # Re-hash all evidence and re-verify all audit chains once a day (what verify_integrity does).
    "core-integrity-sweep": {
        "task": "core.tasks.integrity_sweep_task",
        "schedule": timedelta(days=1),
    },
}
QUARRY_SIGNAL_MAX_BODY_BYTES = env_int("QUARRY_SIGNAL_MAX_BODY_BYTES", 32 * 1024 * 1024)
# A signal observed further ahead of Quarry's clock than this is refused (422, observed_at):
# room for a detector's clock drift, none for a year 2099.
QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS = env_int("QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS", 3600)
QUARRY_INGEST_KNOWN_ACCOUNTS = env_int("QUARRY_INGEST_KNOWN_ACCOUNTS", 50_000)
# How long a web process keeps the dashboard's sections that are the same for every user
# (web/dashboard.py); 0: computed on every request.
QUARRY_DASHBOARD_SHARED_SECONDS = env_int("QUARRY_DASHBOARD_SHARED_SECONDS", 5)
# A process started below the default CPU priority (make run's ingestion server and worker)
# gives the PostgreSQL backend serving it the same, where that backend runs on this host
# (core/db_priority.py).
QUARRY_DB_BACKEND_PRIORITY = env_bool("QUARRY_DB_BACKEND_PRIORITY", True)
QUARRY_FEED_TIMEOUT_SECONDS = env_int("QUARRY_FEED_TIMEOUT_SECONDS", 30)
QUARRY_FEED_PAGE_SIZE = env_int("QUARRY_FEED_PAGE_SIZE", 1000)
QUARRY_FEED_BACKOFF_BASE_SECONDS = env_int("QUARRY_FEED_BACKOFF_BASE_SECONDS", 2)
QUARRY_FEED_BACKOFF_CAP_SECONDS = env_int("QUARRY_FEED_BACKOFF_CAP_SECONDS", 300)
QUARRY_FEED_POLL_BUDGET_SECONDS = env_int("QUARRY_FEED_POLL_BUDGET_SECONDS", 50)
# A feed claimed for a poll is not claimed again for this long: keep it above the budget plus
# one request's timeout. A poll killed with its worker holds the feed until the lease runs out.
QUARRY_FEED_LEASE_SECONDS = env_int("QUARRY_FEED_LEASE_SECONDS", 120)
# Beat runs the recovery sweep this often, in its own process (ops/beat.py).
QUARRY_RECOVERY_SWEEP_SECONDS = env_int("QUARRY_RECOVERY_SWEEP_SECONDS", 60)
# Exports and cluster recomputes still queued this long are published again by the sweep.
QUARRY_RECOVERY_GRACE_SECONDS = env_int("QUARRY_RECOVERY_GRACE_SECONDS", 300)

# The case lifecycle (issue 15). What routing does with a signal for a frozen case (from legal
# review on, or under legal hold): "pending" holds it on the case for a person to accept or
# reject; "follow_up" opens (or joins) a follow-up case linked to the frozen one.
QUARRY_FROZEN_SIGNALS = env_str("QUARRY_FROZEN_SIGNALS", "pending")
if QUARRY_FROZEN_SIGNALS not in ("pending", "follow_up"):
    raise ImproperlyConfigured("QUARRY_FROZEN_SIGNALS is pending or follow_up")
# Moving into legal review adds the legal reviewers the mover names as members; with this on,
# every active user of the legal group when the mover names none.
QUARRY_LEGAL_REVIEW_ADDS_LEGAL_GROUP = env_bool("QUARRY_LEGAL_REVIEW_ADDS_LEGAL_GROUP", False)
# Legal review needs every task of the case done, or skipped with a reason.
QUARRY_LEGAL_REVIEW_NEEDS_TASKS_DONE = env_bool("QUARRY_LEGAL_REVIEW_NEEDS_TASKS_DONE", True)
