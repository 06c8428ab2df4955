"""IPOps settings — one module, configured only by environment variables (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE
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
    # 50 characters and more than 5 distinct ones: what `check --deploy` (security.W009) asks for.
    if SECRET_KEY == DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 6:
        raise ImproperlyConfigured("Set SECRET_KEY (at least 50 random characters) in production.")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    if not env.str("DATABASE_URL", default=""):
        raise ImproperlyConfigured(
            "Set DATABASE_URL in production; the embedded PostgreSQL is for development."
        )

# --- Transport and headers (SecurityMiddleware, XFrameOptionsMiddleware) -----------------
# Sent everywhere: harmless over plain HTTP on a development machine.
SECURE_CONTENT_TYPE_NOSNIFF = True  # a JSON or uploaded file is never sniffed into HTML or script
SECURE_REFERRER_POLICY = "same-origin"  # URLs carry city slugs and record ids: never to other sites
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # no page is ever framed (CSP's frame-ancestors 'none' says it again)
SESSION_COOKIE_HTTPONLY = True
if ENVIRONMENT == "production":
    # Production serves HTTPS only, behind a reverse proxy (nginx, a cloud load balancer) that terminates
    # TLS and sets X-Forwarded-Proto; the proxy must overwrite (never pass on) a client's own header, or a
    # client could claim HTTPS. Set SECURE_SSL_REDIRECT=false where the proxy already redirects HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks from the proxy or orchestrator arrive on plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # One year of HSTS for this host and its subdomains (a government finance platform serves nothing
    # over plain HTTP). `preload` in the header only consents to the browsers' preload list; the domain
    # is listed only when its owner submits it (hard to undo, so their decision). A deployment whose
    # parent domain still has HTTP-only subdomains sets HSTS_PRELOAD=false (check --deploy then warns W021).
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=True)

# --- Content-Security-Policy (django-csp 4) -------------------------------------------------
# Scripts: only our own files and inline <script> elements carrying this response's nonce
# (nonce="{{ request.csp_nonce }}"); no 'unsafe-inline', no 'unsafe-eval', so an injected <script> or
# on*= handler never runs. Inline handlers are replaced by data attributes (static/ipops/app.js), and htmx
# is told not to eval (templates/base.html's htmx-config). `<script type="application/json">` blocks
# (json_script) are data, not scripts: CSP does not apply to them.
# Styles: 'unsafe-inline' stays allowed, deliberately. ECharts writes its tooltips as HTML strings with
# style="…" attributes, Swagger UI ships an inline <style>, and a few templates size charts with style
# attributes; CSS cannot run script, and what CSS injection could leak needs markup injected first, which
# autoescaping and the script policy already stop. Scripts are what the policy is for.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "rules",
    "pgtrigger",
    "pghistory",
    # Lockout after failed logins (per username and per address), recoverable: cool-off and unlock.
    "axes",
    # TOTP second factor: the device model and its verification (ipops.security.mfa).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ipops.apps.IpopsConfig",
    # API tokens, lockout pages, the password policy, MFA and re-authentication.
    "ipops.security.apps.SecurityConfig",
    # The domain apps, by their configs: each names what it contributes (ipops.platform.PlatformApp).
    "trading.apps.TradingConfig",
    "pledge_finance.apps.PledgeFinanceConfig",
    "funds.apps.FundsConfig",
    "subsidies.apps.SubsidiesConfig",
    "reporting.apps.ReportingConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (policy under "Content-Security-Policy" below).
    "csp.middleware.CSPMiddleware",
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
    # After the city: a session still owing its second factor reaches only the verify/enrol pages, and
    # the money steps ask for a recent password or code (ipops.security.middleware).
    "ipops.security.middleware.SecondFactorMiddleware",
    "ipops.security.middleware.ReauthMiddleware",
    # Last, so it turns a lockout flagged anywhere in the request into its 429 answer.
    "axes.middleware.AxesMiddleware",
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
# A kept connection is checked before a request reuses it, so a database restart costs no failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compiles any plan the planner guesses is expensive, adding tens of milliseconds to a web request
# whose LIMIT makes it cheap in fact; short OLTP queries never win it back.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_ipops")}
if env.bool("DB_POOL", default=ENVIRONMENT == "production"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # `check`: a pooled connection is tested as it is handed out, so after a database restart the dead ones
    # are replaced instead of failing the next requests (CONN_HEALTH_CHECKS does not apply to a pool).
    from psycopg_pool import ConnectionPool

    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": 20,
        "check": ConnectionPool.check_connection,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "ipops.User"
# Axes' backend first: it refuses a locked-out username or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "ipops.security.backends.LockoutBackend",
    "ipops.security.backends.PasswordBackend",
]
# The password policy of a system that approves loans and pays public money. Ten characters: the
# national graded-protection baseline (等保 2.0, level 3) asks for complexity and length, and ten with two
# kinds of character is beyond online guessing under the lockout below. The order decides which
# complaint a person reads first (a common password is named as such before its length).
_DJANGO_VALIDATION = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": _DJANGO_VALIDATION + "UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")},
    },
    {"NAME": _DJANGO_VALIDATION + "CommonPasswordValidator"},
    {"NAME": _DJANGO_VALIDATION + "MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": _DJANGO_VALIDATION + "NumericPasswordValidator"},
    {"NAME": "ipops.security.passwords.WhitespaceValidator"},
    {"NAME": "ipops.security.passwords.PlaceNameValidator"},
    {"NAME": "ipops.security.passwords.CharacterClassesValidator"},
]
# --- Lockout (django-axes): both the login page and POST /api/v1/auth/token/ -----------------------
# Ten failures lock the username (guessing one account from many addresses) and, separately, the client
# address (spraying many accounts from one). An office behind one NAT address shares the address count:
# the cool-off ends it by itself and the bureau admin can unlock a member at once (people/lockouts/).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# The cool-off runs from the lockout: attempts during it do not extend it, so an attacker who keeps
# guessing cannot keep a real user out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ipops.security.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Behind the reverse proxy the client is the first X-Forwarded-For address (as SECURE_PROXY_SSL_HEADER).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if ENVIRONMENT == "production" else 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# The bureau admin sees and lifts its city's lockouts on its own page; /admin/ is the platform's.
AXES_ENABLE_ADMIN = True
# --- API tokens (ipops.security.models.ApiToken) -----------------------------------------------------
# A token left unused for a working day ends (12 h idle); none lives beyond a week (7 days absolute),
# so a leaked integration key is bounded and every integration logs in again weekly.
API_TOKEN_IDLE_TIMEOUT = timedelta(hours=env.int("API_TOKEN_IDLE_HOURS", default=12))
API_TOKEN_MAX_AGE = timedelta(days=env.int("API_TOKEN_MAX_DAYS", default=7))
# --- Second factor (django-otp TOTP) and re-authentication -------------------------------------------
# The roles that move or decide money must use a second factor in production; everyone may.
MFA_REQUIRED_ROLES = frozenset({"bank", "insurer", "guarantor", "bureau_staff", "bureau_admin"})
MFA_ENFORCED = env.bool("MFA_ENFORCED", default=ENVIRONMENT == "production")
OTP_TOTP_ISSUER = "IPOps"
# Approving a loan, disbursing, approving or paying a claim needs a password or code proven this recently
# (a login counts). Enforced everywhere; right after logging in, the demo's flows pass.
REAUTH_WINDOW = timedelta(minutes=env.int("REAUTH_MINUTES", default=15))
#: The steps behind re-authentication: URL name -> the `action` URL argument values (None: any POST).
REAUTH_PROTECTED = {
    "pledge_finance-api:loan-decision": None,
    "pledge_finance-api:loan-disburse": None,
    "subsidies-api:claim-approve": None,
    "subsidies-api:batch-list": None,
    "pledge-loan-action": ("decide", "disburse"),
    "subsidies-claim-action": ("approve",),
    "subsidies-batch-approve": None,
    "subsidies-payments": None,
}
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
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
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
    # Scoped throttles (per client address for anonymous calls): the token endpoint answers a flood with
    # 429 before axes' lockout counts ten failures (TokenApi, ReauthApi).
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("TOKEN_THROTTLE", default="20/minute"),
        "reauth": env.str("REAUTH_THROTTLE", default="10/minute"),
    },
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
# Below the time limits so a long task is never redelivered while it still runs. The socket timeouts make a
# request fail fast when Redis is down or hangs, instead of waiting on the broker: tasks are published
# through the outbox (`ipops.outbox`), so a failed send only waits for the sweeper.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing retries briefly (≈ 0.5 s in all), then gives up: the message stays in the outbox.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.3,
}
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
        # Axes narrates every successful login at INFO; failures and lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every PDF (steps, font subsetting) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per task is noise when tasks run eagerly (quick start, demo seeding).
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

APP_NAME = _("IPOps — IP operations service platform")
