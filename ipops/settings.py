"""IPOps settings — one module, configured only by environment variables (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused in production below

ENVIRONMENT = env.str("DJANGO_ENV", default="development")  # development | production
DEBUG = env.bool("DEBUG", default=ENVIRONMENT == "development")
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if ENVIRONMENT == "production":
    if SECRET_KEY == DEV_SECRET or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 32 characters) in production.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if not env.str("DATABASE_URL", default=""):
        raise ImproperlyConfigured(
            "Set DATABASE_URL in production; the embedded PostgreSQL is for development."
        )
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules",
    "pgtrigger",
    "pghistory",
    "ipops.apps.IpopsConfig",
    # The domain apps, by their configs: each names what it contributes (ipops.platform.PlatformApp).
    "trading.apps.TradingConfig",
    "pledge_finance.apps.PledgeFinanceConfig",
    "funds.apps.FundsConfig",
    "subsidies.apps.SubsidiesConfig",
    "reporting.apps.ReportingConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Under /api/, an oversized body answers 413 in the JSON error shape before anything reads it.
    "ipops.api.exceptions.RequestSizeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ipops.i18n.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ipops.tenancy.CityScopeMiddleware",
]

ROOT_URLCONF = "ipops.urls"
WSGI_APPLICATION = "ipops.wsgi.application"
ASGI_APPLICATION = "ipops.asgi.application"

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
                "ipops.context_processors.navigation",
            ],
        },
    },
]


# --- Database: DATABASE_URL, or the embedded PostgreSQL under .data/ ---------------
def _database() -> dict:
    url = env.str("DATABASE_URL", default="")
    if url:
        return env.db_url_config(url)
    from ipops.embedded_pg import database_settings

    return database_settings()


DATABASES = {"default": _database()}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# JIT compiles any plan the planner guesses is expensive, adding tens of milliseconds to a web request
# whose LIMIT makes it cheap in fact; short OLTP queries never win it back.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_ipops")}
if env.bool("DB_POOL", default=ENVIRONMENT == "production"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "ipops.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if DEBUG or env.bool("FAST_PASSWORD_HASHER", default=False):
    # Demo and tests log in hundreds of times; production keeps Django's default hasher.
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time: Chinese first, English second; Asia/Shanghai ----------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "ipops_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# One date format per language (ipops/formats/<lang>/formats.py); every time shown in Beijing time.
FORMAT_MODULE_PATH = ["ipops.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded files (claims' evidence): outside the static root and every static directory, served by no URL,
# only by views that check who may see them (`ipops.uploads`). Back it up with the database.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".data" / "private")))
# A request's body apart from its files (a JSON body, a form's fields): no request of the platform comes
# near it, and a larger one is refused before it is read (413 `request_too_large` under /api/, see
# `ipops.api.parsers` and `ipops.api.exceptions`). Files in a multipart upload do not count against it:
# their own limits (`ipops.uploads`, `ipops.imports`: 413 `file_too_large`) apply.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ipops.api.authentication.CityTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ipops.api.pagination.Pagination",
    # JSON bounded in size and nesting (400 json_too_deep / invalid_json, 413 request_too_large).
    "DEFAULT_PARSER_CLASSES": [
        "ipops.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "ipops.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "ipops.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_RATES": {"token": env.str("TOKEN_THROTTLE", default="20/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IPOps API",
    "DESCRIPTION": "City IP operations service platform (知识产权运营服务体系). "
    "Every business endpoint lives under /api/v1/{city}/; errors share one shape: "
    '{"code", "detail", "fields"}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Named enums keep the schema stable when several models share a field name like "kind". The apps add
    # theirs (`PlatformApp.schema_enums`) at start-up.
    "ENUM_NAME_OVERRIDES": {
        "AssetKindEnum": "ipops.models.registry.AssetKind",
        "OrgKindEnum": "ipops.models.accounts.OrgKind",
        "RoleEnum": "ipops.models.accounts.Role",
        "LegalStatusEnum": "ipops.models.registry.LegalStatus",
        "RegistrableLegalStatusEnum": "ipops.models.registry.REGISTRABLE_STATUS_CHOICES",
        "IndustryEnum": "ipops.models.registry.Industry",
        "EncumbranceKindEnum": "ipops.models.registry.EncumbranceKind",
        "JobRunStatusEnum": "ipops.models.ops.JobRun.Status",
    },
}

# --- Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Throttle counters must be shared by every web process: Redis when there is one.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # quick start: no broker, tasks run in-process
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Below the time limits so a long task is never redelivered while it still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
# Seconds a city's indicator refresh waits after the first event, so a burst of deals costs one refresh.
REPORTING_REFRESH_DELAY = env.int("REPORTING_REFRESH_DELAY", default=10)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="ipops")
# Every scheduled job in one place; crontab only (Asia/Shanghai). Each is also `manage.py run_job NAME`.
# Beat entries: each app's `PlatformApp.city_jobs()` (ipops.platform.beat_schedule), set at beat start.

# --- Platform parameters ----------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="ipops-demo-2026")
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every PDF (steps, font subsetting) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per task is noise when tasks run eagerly (quick start, demo seeding).
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

APP_NAME = _("IPOps — IP operations service platform")
