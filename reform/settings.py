"""Settings for the reform-task tracker.

Everything that differs between a developer's machine and a server comes from a
short list of environment variables with safe development defaults:

- DATABASE_URL          default: SQLite file db.sqlite3 in the project root;
                        postgres://user:pass@host:5432/name for PostgreSQL
- DJANGO_SECRET_KEY     required when DJANGO_DEBUG is off
- DJANGO_DEBUG          1/0, true/false, yes/no (default: 1)
- DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost,127.0.0.1)
- DATABASE_REPLICA_URL  optional read replica for the dashboard and exports
- POSTGRES_WORK_MEM     PostgreSQL work_mem of the app's connections (default: 32MB)
- REDIS_URL, FILE_STORAGE  several machines: queue and cache on Redis, shared files

Bad values fail loudly at start-up instead of being silently ignored.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean env var; anything but a recognised spelling is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no; got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "units.admin_site.ReformAdminConfig",  # django.contrib.admin, for office and leaders only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "regions",
    "units",
    "tasks",
    "deadlines",
    "supervision",
    "portal",
    "dashboard",
    "notifications",
    "printing",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ops.middleware.PrivateResponsesNotStoredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "reform.urls"

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
                "units.context_processors.roles",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "reform.wsgi.application"


def _database_config(name: str = "DATABASE_URL") -> dict:
    url = os.environ.get(name, "").strip()
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from exc
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} has an unsupported scheme: {url!r}")
    if config["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles every dashboard aggregate over 200,000 tasks afresh:
        # 2.4 s of the 3.2 s the per-unit table took at the province scale (EXPLAIN
        # ANALYZE, bench/results/postgresql-province-200000.json). With the default
        # work_mem (4MB) the visible-task filter's set of a province's 685,000 unit links
        # cannot be hashed: the planner then costs it per row and chose, for a drill-down's
        # overdue list, a nested loop that ran 1.6 s instead of 35 ms. A URL's own
        # `?options=...` wins.
        options = f"-c jit=off -c work_mem={_work_mem()}"
        config.setdefault("OPTIONS", {}).setdefault("options", options)
    return config


def _work_mem() -> str:
    """POSTGRES_WORK_MEM (default 32MB): memory per sort or hash of one query."""
    value = os.environ.get("POSTGRES_WORK_MEM", "").strip() or "32MB"
    if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB)", value):
        raise ImproperlyConfigured(
            f"POSTGRES_WORK_MEM must be a size such as 32MB or 65536kB, not {value!r}"
        )
    return value


DATABASES = {"default": _database_config()}

# Optional read replica (a PostgreSQL streaming replica of DATABASE_URL): the dashboard
# and export jobs read the task data from it, nothing is ever written to it
# (ops/replica.py). Tests use "default" in its place.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    if not os.environ.get("DATABASE_URL", "").strip():
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (the primary) too")
    DATABASES["replica"] = _database_config("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ops.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.password_validation.MinimumLengthValidator"},  # message in Chinese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# The only language: the UI stays Chinese whatever the browser asks for.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGIN_URL = "/accounts/login/"
# Each role lands on its own desk: office → workbench, leader → dashboard, unit → tasks.
LOGIN_REDIRECT_URL = "portal:landing"
LOGOUT_REDIRECT_URL = "/accounts/login/?logged_out=1"  # the page then says so

# Sessions: expire after 12 hours rather than Django's two weeks.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "tasks.api.authentication.StrictTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["tasks.api.filtering.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tasks.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",  # always YYYY-MM-DD, also for years before 1000
    "DEFAULT_RENDERER_CLASSES": [
        "tasks.api.renderers.FastJSONRenderer",  # DRF's JSON, encoded by orjson
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "tasks.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "tasks.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tasks.api.schema.DescribedAutoSchema",
    # Browsers use the session and are not throttled; anonymous callers and systems
    # holding a token are (against over-use, not as a security control).
    "DEFAULT_THROTTLE_CLASSES": [
        "tasks.api.throttling.AnonymousRateThrottle",
        "tasks.api.throttling.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DJANGO_API_THROTTLE_ANON", "60/minute"),
        "token": os.environ.get("DJANGO_API_THROTTLE_TOKEN", "1200/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "改革任务督办系统 API",
    "DESCRIPTION": "改革方案、任务、责任单位、完成时限与进展报告的接口。"
    "系统对接请使用令牌认证:请求头 `Authorization: Token <令牌>`(令牌由优化办在后台创建)。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Interactive docs are served from the project's static files: no CDN on the intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "tasks.choices.TaskStatus",
    },
}

# Folder that `load_policies` imports when given no paths.
POLICY_FIXTURES_DIR = BASE_DIR / "fixtures" / "policies"
# The regions (行政区划) the shipped plans need; `load_regions <csv>` adds a whole province.
REGION_FIXTURE = BASE_DIR / "fixtures" / "regions.csv"
UNIT_ALIAS_FIXTURE = BASE_DIR / "fixtures" / "unit_aliases.csv"

# Supervision (督办): days to acknowledge a published task, and the letterhead on notices.
SUPERVISION_ACK_WORKING_DAYS = 3
SUPERVISION_LETTERHEAD = "优化营商环境工作领导小组办公室"
# Report attachments live outside the web root and are served only by a view that
# checks the task's permissions (portal.views.report_attachment).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "attachments"))
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# Reminder e-mails (send_reminders): printed to the console unless a server is configured.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "reform-tracker@localhost")
# Links in reminder e-mails point here (no trailing slash).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://localhost:8000").rstrip("/")
# --- Production serving, security hardening and operations (issue 7) -------------
# Env vars (all optional; defaults are safe for development and strict when
# DJANGO_DEBUG=0):
# - DJANGO_HTTPS                 site is served over TLS (default: on when DEBUG is off);
#                                turn off for an intranet without TLS, see README
# - DJANGO_SECURE_SSL_REDIRECT   redirect http→https (default: DJANGO_HTTPS)
# - DJANGO_SECURE_HSTS_SECONDS   HSTS max-age (default: one year with HTTPS, else 0)
# - DJANGO_CSRF_TRUSTED_ORIGINS  comma-separated origins, e.g. https://dbb.example.gov.cn
# - DJANGO_BEHIND_PROXY          trust nginx's X-Forwarded-Proto / X-Real-IP headers
# - DJANGO_DB_CACHE              cache in the database table django_cache, shared by
#                                all app servers (default: on when DEBUG is off)
# - DJANGO_LOGIN_FAILURE_LIMIT   failed logins before a 15-minute lockout (default 5)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None


INSTALLED_APPS += ["axes", "ops"]

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
MIDDLEWARE.insert(0, "ops.middleware.RequestLogMiddleware")
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    # Axes must come last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Static files: whitenoise serves them from STATIC_ROOT (filled by collectstatic);
# hashed, compressed names in production so browsers may cache them forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
# /healthz is probed over plain http by nginx and monitoring on the server itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
if not HTTPS:
    # Deliberate: the operator declared "no TLS" (DJANGO_HTTPS=0). These checks can only
    # be satisfied with TLS, so they are silenced instead of printed on every deploy.
    SILENCED_SYSTEM_CHECKS = [
        "security.W004",  # SECURE_HSTS_SECONDS
        "security.W008",  # SECURE_SSL_REDIRECT
        "security.W012",  # SESSION_COOKIE_SECURE
        "security.W016",  # CSRF_COOKIE_SECURE
    ]

# Several app servers share nothing but PostgreSQL: sessions are in the database
# (Django's default), and so is the cache when DJANGO_DB_CACHE is on
# (`manage.py createcachetable` creates the table; `make serve-prod` runs it).
# With REDIS_URL set (several machines), the cache is on Redis instead: shared as well,
# and it takes the cache's reads and writes off PostgreSQL. Same Redis database as the
# job queue; the cache's keys start with "reform:", RQ's with "rq:".
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "reform",
        }
    }
elif env_bool("DJANGO_DB_CACHE", not DEBUG):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Content-Security-Policy (django-csp 4): scripts only from our own static files or
# with the per-request nonce ({{ request.csp_nonce }}); never 'unsafe-inline'. Inline
# style attributes stay allowed: they cannot run code, and templates use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# Login lockout (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failures for the same
# user name from the same address, that pair is locked out for 15 minutes. Works for
# every login that calls authenticate(request=...): the admin and /accounts/login/.
AUTHENTICATION_BACKENDS = [
    "ops.auth.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
# A user name is locked per address (a victim elsewhere can still log in) and an address
# is locked for every name after more failures in total (password spraying); see
# ops.auth.LoginLockoutHandler, which gives the two rules their own limits.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "ops.auth.LoginLockoutHandler"
LOGIN_IP_FAILURE_LIMIT = env_int("DJANGO_LOGIN_IP_FAILURE_LIMIT", 20)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ops.auth.client_ip"
AXES_LOCKOUT_TEMPLATE = "ops/locked_out.html"

# Structured request logs: one JSON object per line on stderr (journald collects it).
# Request log lines and errors (500s with their traceback, security events) go to stderr
# as JSON lines, whatever DEBUG is: without this, django.request errors only reached
# mail_admins, which sends nothing when ADMINS is empty.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {
        "message": {"format": "%(message)s"},
        "json": {"()": "ops.logging.JsonFormatter"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "message"},
        "stderr_json": {"class": "logging.StreamHandler", "formatter": "json", "level": "ERROR"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        "ops.requests": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["stderr_json", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["stderr_json", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}

# --- Background jobs (issue 14) -----------------------------------------------------
# Exports and other heavy work run as tasks of Django's tasks framework (the
# django-tasks backport). Env vars:
# - TASKS_BACKEND   "db" (default: a table in the project's database, worked by
#                   `manage.py db_worker`, which `make run` starts) or "rq" (Redis,
#                   worked by `manage.py rqworker --job-class django_tasks_rq.Job default`,
#                   for several machines)
# - REDIS_URL       the Redis server for "rq" (default redis://127.0.0.1:6379/0);
#                   setting it alone selects "rq"
# - EXPORT_ROOT     where finished export files are kept (default var/exports)
# - JOB_FILES_KEEP_DAYS  days a finished export stays downloadable (default 7);
#                   `manage.py prune_jobs` deletes older ones (run it daily)
# - IMPORT_IMMEDIATE_MAX_TASKS  uploaded plans above this many tasks are imported by a
#                   background job (default 300)
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "rq" if REDIS_URL else "db").strip().lower()
if TASKS_BACKEND not in {"db", "rq"}:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be db or rq; got {TASKS_BACKEND!r}")
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "jobs"]
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", BASE_DIR / "var" / "exports"))

# Where report attachments and export files are kept (every app server and worker must
# see the same files). FILE_STORAGE=local (default): folders PRIVATE_MEDIA_ROOT and
# EXPORT_ROOT, on a shared mount (NFS) when there are several machines. FILE_STORAGE=s3:
# an S3-compatible object store through django-storages (`pip install -e '.[s3]'`), in
# the bucket S3_BUCKET under attachments/ and exports/; S3_ENDPOINT_URL for a store
# other than AWS (MinIO, a cloud's OSS/COS), S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY /
# S3_REGION. Files are private: downloads still go through the permission-checked views.
FILE_STORAGE = os.environ.get("FILE_STORAGE", "local").strip().lower()


def _s3_storage(prefix: str) -> dict:
    bucket = os.environ.get("S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET")
    options = {
        "bucket_name": bucket,
        "location": prefix,
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
    }
    for option, name in (
        ("endpoint_url", "S3_ENDPOINT_URL"),
        ("access_key", "S3_ACCESS_KEY_ID"),
        ("secret_key", "S3_SECRET_ACCESS_KEY"),
        ("region_name", "S3_REGION"),
    ):
        if os.environ.get(name, "").strip():
            options[option] = os.environ[name].strip()
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


if FILE_STORAGE == "local":
    # PrivateStorage reads PRIVATE_MEDIA_ROOT at each use (tests point it elsewhere).
    STORAGES["attachments"] = {"BACKEND": "tasks.models.PrivateStorage"}
    STORAGES["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EXPORT_ROOT},
    }
elif FILE_STORAGE == "s3":
    STORAGES["attachments"] = _s3_storage("attachments")
    STORAGES["exports"] = _s3_storage("exports")
else:
    raise ImproperlyConfigured(f"FILE_STORAGE must be local or s3; got {FILE_STORAGE!r}")
JOB_FILES_KEEP_DAYS = env_int("JOB_FILES_KEEP_DAYS", 7)
# A list of more tasks than this is exported by a background job with a progress page;
# smaller ones (one plan) are answered at once.
EXPORT_IMMEDIATE_MAX_TASKS = env_int("EXPORT_IMMEDIATE_MAX_TASKS", 2000)
# Printing (督办单, bulletin and task record as PDF) runs this browser headless
# (printing/pdf.py); without it the print links say 服务器未安装打印组件.
# - PRINT_CHROMIUM  path of Chromium (default /usr/bin/chromium, Debian's `chromium`)
# - PRINT_RED_HEADER  print the 督办单 and the bulletin with a red letterhead (红头) and
#                   rule (default true; false for paper with a pre-printed 红头 or black only)
PRINT_CHROMIUM = os.environ.get("PRINT_CHROMIUM", "/usr/bin/chromium").strip()
PRINT_RED_HEADER = env_bool("PRINT_RED_HEADER", True)

# An uploaded plan of more tasks than this is imported by a background job (its preview
# stays immediate); smaller plans are imported in the request.
IMPORT_IMMEDIATE_MAX_TASKS = env_int("IMPORT_IMMEDIATE_MAX_TASKS", 300)
# Dashboard and score figures are cached until their inputs change (dashboard/cache.py);
# this bounds the life of an entry (0 turns the cache off).
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300)
