"""Settings shared by every environment. Values that differ come from the environment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from kombu import Queue

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("HEADROOM_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "roster",
    "allocation",
    "assets",
    "triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.DatabaseBusyMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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
                "roster.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'headroom.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# One transaction per request: a view that fails half-way writes nothing.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A transaction that starts by reading (DEFERRED,
    # the default) and then writes cannot wait for the lock: it fails at once with
    # "database is locked" when another connection got there first. IMMEDIATE takes the
    # write lock at BEGIN, where the busy timeout lets it queue; WAL lets readers go on
    # while one connection writes. A wait past the timeout is a 503 with Retry-After
    # (config.middleware), never a 500.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
# Seconds a client is told to wait (Retry-After) when the database was too busy.
DATABASE_BUSY_RETRY_AFTER = env_int("DATABASE_BUSY_RETRY_AFTER", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a login while its username is locked out from that address.
    "config.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"

# Failed logins (the login page, the admin's, the API's token endpoint) lock that
# username out from that address for a while. Not the username everywhere: anyone
# could then lock a nurse out at the start of a shift; not the address alone: a ward's
# computers often share one.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address is REMOTE_ADDR unless Headroom runs behind that many proxies of
# its own, which set X-Forwarded-For (a client could forge it otherwise).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# API tokens are good for this many hours after they are issued.
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 24)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# The server's zone; every shift is stored as an aware UTC instant and shown in its
# site's own timezone.
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Request bodies: Django refuses larger forms itself; config.parsers applies the same
# bound, and a nesting limit, to the API's JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing, bad or expired token a
    # 401 (DRF answers 403 when the first class has no such header).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "roster.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "config.parsers.BoundedFormParser",
        "config.parsers.BoundedMultiPartParser",
    ],
    # Scoped: only the token endpoint has a scope ("login"), per client address.
    "DEFAULT_THROTTLE_RATES": {"login": env_str("LOGIN_THROTTLE_RATE", "10/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_FILTER_BACKENDS": [
        "roster.api.filters.StrictFilterBackend",
        "roster.api.filters.StrictOrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "roster.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Headroom API",
    "DESCRIPTION": "Rostering and crisis staffing for hospital networks.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: a field a response may leave out (a
    # colleague's contact details) is still required in a request.
    "COMPONENT_SPLIT_REQUEST": True,
    # The error responses, times of day and fields only some callers get (roster.api.schema).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "roster.api.schema.postprocess"],
    # The interactive docs' scripts are served from here, not a CDN: hospital networks
    # often allow no outbound traffic.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Named here, the full set of an item's states no longer collides with the subset an
    # item may be created in (both on fields called "state"): check --deploy stays clean.
    "ENUM_NAME_OVERRIDES": {
        "AssetStateEnum": "assets.states.State",
        "CrisisLevelEnum": "triage.models.LEVEL_CHOICES",
        "CrisisPositionEnum": "triage.models.POSITION_CHOICES",
        "EscalationProposalStatusEnum": "triage.models.EscalationProposal.Status",
        "PlaybookTaskStatusEnum": "triage.models.PlaybookTask.Status",
    },
}

# Content-Security-Policy: everything from Headroom itself, no inline script or <style>
# but the few listed by hash (tests/config/test_security_headers.py re-derives each):
#   script: base.html's one line that swaps the "no-js" class for "js";
#   style: the indicator rules htmx inserts, and the interactive API docs' page style.
# Inline style *attributes* stay allowed (style-src-attr): the roster grid colours each
# shift code with one. They cannot run script, and img-src keeps a url() in them local.
CSP_SCRIPT_HASHES = ["'sha256-tlTtfpdsMQSdcfX3DLM1fgx/y++BLw+48vFj+5cTJa0='"]
CSP_STYLE_HASHES = [
    "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='",
    "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",
]
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", *CSP_SCRIPT_HASHES],
    "style-src": ["'self'", *CSP_STYLE_HASHES],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features Headroom never uses, refused to every page and anything it embeds.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}

REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker: messages are files in a folder, so a single machine runs a
    # real worker without installing anything.
    # kombu creates none of its folders but the control one, and puts that one (where
    # broadcasts such as `celery inspect ping` are routed) in the current directory
    # unless told otherwise.
    _broker_dir = DATA_DIR / "broker"
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 16 * 60)
# A worker killed mid-task leaves its message unacknowledged, so another worker runs it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Notifications have their own queue, so a long roster generation never holds up a
# message: run a worker for each queue (`-Q notifications`, `-Q celery`). A worker started
# without -Q consumes both, as the demo's and the test suite's do.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("notifications")]
CELERY_TASK_ROUTES = {
    "roster.tasks.notification_email": {"queue": "notifications"},
    "roster.tasks.announce_open_shifts": {"queue": "notifications"},
}
# The longest search a roster generation may ask for, and the task limits that stop a
# worker stuck past it (writing the draft back takes a little longer than the search).
SOLVER_MAX_SECONDS = env_int("SOLVER_MAX_SECONDS", 600)
# Roster generations one person may have queued or running at once.
SOLVER_MAX_RUNS_PER_USER = env_int("SOLVER_MAX_RUNS_PER_USER", 2)
# Crisis escalation: an unanswered proposal is re-sent every so many minutes, and after so
# many reminders goes to the next position up.
ESCALATION_REMIND_MINUTES = env_int("ESCALATION_REMIND_MINUTES", 10)
ESCALATION_ESCALATE_AFTER = env_int("ESCALATION_ESCALATE_AFTER", 2)
# How backfill offers reach phones: a dotted path to an SMS gateway class (the default
# writes each message to the ``headroom.sms`` log).
BACKFILL_SMS_BACKEND = env_str("BACKFILL_SMS_BACKEND", "allocation.backfill.sms.LogSms")
CELERY_TASK_ANNOTATIONS = {
    "roster.tasks.generate_roster": {
        "soft_time_limit": SOLVER_MAX_SECONDS + 120,
        "time_limit": SOLVER_MAX_SECONDS + 180,
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "headroom@localhost")
# The address people reach Headroom at: links in e-mails start with it.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

CELERY_BEAT_SCHEDULE = {
    "redeploy-hourly": {
        # Every site and the network re-planned on the hour (model-predictive redeployment).
        "task": "allocation.redeploy_tasks.redeploy_watch",
        "schedule": 60 * 60,
        "kwargs": {"cadence": True},
    },
    "redeploy-triggers": {
        # Re-plans where a unit changed zone, demand jumped or someone called out (with hysteresis).
        "task": "allocation.redeploy_tasks.redeploy_watch",
        "schedule": 5 * 60,
    },
    "mutual-aid-scan": {
        # Loans proposed where a lender idles and a borrower saturates; missed clocks chased.
        "task": "allocation.redeploy_tasks.mutual_aid_scan",
        "schedule": 60,
    },
    "certification-expiry-scan": {
        "task": "roster.tasks.certification_expiry_scan",
        "schedule": 24 * 60 * 60,
    },
    "equipment-maintenance-scan": {
        "task": "assets.tasks.maintenance_scan_task",
        "schedule": 24 * 60 * 60,
    },
    "incident-sensing-scan": {
        # Open mass-casualty incidents re-allocate every sensing interval (theirs, in
        # minutes) and lock assignments whose buffer has passed: checked each minute.
        "task": "triage.tasks.sensing_scan",
        "schedule": 60,
    },
    "allocation-forecast-fit": {
        # Each unit's forecaster refitted on its last year of arrivals.
        "task": "allocation.tasks.fit_forecasts",
        "schedule": 24 * 60 * 60,
    },
    "allocation-forecast-refresh": {
        # The next 14 days' forecasts from the current hour; passed windows meet actuals.
        "task": "allocation.tasks.refresh_forecasts",
        "schedule": 60 * 60,
    },
    "crisis-escalation-scan": {
        # Crisis indicators read, proposals filed, withdrawn or re-sent (never a change).
        "task": "triage.tasks.escalation_scan",
        "schedule": 5 * 60,
    },
    "situation-report-reminders": {
        "task": "triage.tasks.sitrep_reminders",
        "schedule": 5 * 60,
    },
    "backfill-sweep": {
        # Vacancy waves and escalations left due (a worker killed mid-wave): each minute.
        "task": "allocation.tasks.backfill_sweep",
        "schedule": 60,
    },
    "backfill-census": {
        # Census vacancies: a place short for the last 30 minutes of the shift running now.
        "task": "allocation.tasks.backfill_census",
        "schedule": 10 * 60,
    },
    "allocation-current-hours": {
        # Each unit's hour is written even when no census event arrives in it.
        "task": "allocation.tasks.record_current_hours",
        "schedule": 60 * 60,
    },
}
