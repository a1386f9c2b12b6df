"""Accord settings: every value comes from the environment (see the README's configuration table).

Two modes: the embedded default (SQLite in WAL mode under ACCORD_HOME, a generated secret key kept
there) and production (ACCORD_ENV=production: a secret key must be given, DEBUG must be off,
cookies are secure and HSTS is on).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from accord.lib.env import envbool, envint, envlist, envstr

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent

ENVIRONMENT = envstr("ACCORD_ENV", "embedded")
if ENVIRONMENT not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"ACCORD_ENV={ENVIRONMENT!r} must be 'embedded' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

ACCORD_HOME = Path(envstr("ACCORD_HOME", str(Path.cwd() / "var"))).resolve()

DEBUG = envbool("ACCORD_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ACCORD_DEBUG must be off when ACCORD_ENV=production.")


def _secret_key() -> str:
    """Production needs an explicit key; the embedded mode keeps a generated one in ACCORD_HOME."""
    key = envstr("ACCORD_SECRET_KEY")
    if key:
        if PRODUCTION and len(key) < 50:
            raise ImproperlyConfigured("ACCORD_SECRET_KEY must be at least 50 characters long.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("ACCORD_SECRET_KEY is required when ACCORD_ENV=production.")
    ACCORD_HOME.mkdir(parents=True, exist_ok=True)
    path = ACCORD_HOME / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = envlist(
    "ACCORD_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = envlist("ACCORD_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "accord.accounts",
    "accord.audit",
    "accord.vendors",
    "accord.engagements",
    "accord.delivery",
    "accord.selection",
    "accord.metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accord.accounts.middleware.UserTimeZoneMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.config.urls"
WSGI_APPLICATION = "accord.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.accounts.context_processors.permissions",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
_database_url = envstr("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    ACCORD_HOME.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(ACCORD_HOME / "accord.sqlite3"),
            # Kept open between requests, as on PostgreSQL: a new SQLite connection parses the
            # schema and runs the pragmas below, ~2 ms of CPU on every page otherwise.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE avoids the
                # "database is locked" upgrade race between two writers. Memory-mapped reads (up
                # to SQLite's 2 GiB cap) spare a copy of every page a large read goes through: a
                # KPI recompute reads a million work items in about two thirds of the time.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA mmap_size=2147418112;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
# In each process's memory: no service to run, and nothing shared is needed, because what is
# cached (the KPI dashboard's rendered cards, accord.metrics.dashboard_cache) is keyed on a
# revision row in the database that every write changes, so a process on any machine sees the
# change on its next request. A shared (file or database) cache would add a read and an unpickle
# of ~150 KB to every request for nothing. At most 200 entries (~30 MB) per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "accord",
        "OPTIONS": {"MAX_ENTRIES": 200},
    }
}

# --- Auth and sessions --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = envint("ACCORD_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("ACCORD_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = envint("ACCORD_PROXY_COUNT", 0, minimum=0)

SESSION_COOKIE_AGE = envint("ACCORD_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("ACCORD_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("ACCORD_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if AXES_IPWARE_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Invitations and email ----------------------------------------------------------------------
INVITATION_DAYS = envint("ACCORD_INVITATION_DAYS", 7, minimum=1)
ACCORD_BASE_URL = envstr("ACCORD_BASE_URL", "").rstrip("/")
EMAIL_HOST = envstr("ACCORD_EMAIL_HOST")
EMAIL_PORT = envint("ACCORD_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = envstr("ACCORD_EMAIL_USER")
EMAIL_HOST_PASSWORD = envstr("ACCORD_EMAIL_PASSWORD")
EMAIL_USE_TLS = envbool("ACCORD_EMAIL_TLS", True)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = envstr("ACCORD_EMAIL_FROM", "accord@localhost")
EMAIL_CONFIGURED = bool(EMAIL_HOST)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_CONFIGURED
    else "django.core.mail.backends.locmem.EmailBackend"
)

# --- Secrets at rest ----------------------------------------------------------------------------
ENCRYPTION_KEY = envstr("ACCORD_ENCRYPTION_KEY")

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = ACCORD_HOME / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
_FRONT_END_PACKAGES: list[tuple[str, Path]] = [
    ("vendor/tabler", PROJECT_DIR / "node_modules/@tabler/core/dist"),
    ("vendor/tabler-icons", PROJECT_DIR / "node_modules/@tabler/icons-webfont/dist"),
    ("vendor/htmx", PROJECT_DIR / "node_modules/htmx.org/dist"),
    # Charts: vega-embed runs Vega-Lite specs with its bundled expression interpreter, so the
    # Content-Security-Policy needs no 'unsafe-eval' (see accord/static/accord/charts.js).
    ("vendor/vega", PROJECT_DIR / "node_modules/vega/build"),
    ("vendor/vega-lite", PROJECT_DIR / "node_modules/vega-lite/build"),
    ("vendor/vega-embed", PROJECT_DIR / "node_modules/vega-embed/build"),
]
# Front-end packages are listed only once `npm ci` has installed them.
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    PACKAGE_DIR / "static",
    *[(prefix, path) for prefix, path in _FRONT_END_PACKAGES if path.exists()],
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ACCORD_HOME / "media"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The embedded mode serves assets straight from the package and node_modules, so a fresh clone
# works without a collectstatic step; production serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MAX_UPLOAD_MB = envint("ACCORD_MAX_UPLOAD_MB", 20, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accord.accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accord.lib.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord API",
    "DESCRIPTION": "Vendors, engagements and the evidence behind an outsourcing partnership.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from the sidecar package, so the browsable API needs no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set: the same certificate and document kinds appear on vendors and
    # in evaluation requirements, and several models call a field "kind".
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "CertificationKindEnum": "accord.vendors.models.CertificationKind",
        "DocumentKindEnum": "accord.vendors.models.DocumentKind",
    },
}

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Hours between the worker's refreshes of each undecided evaluation's red flags, which time alone
# changes (a certificate coming within its expiry window, a question left unanswered); 0: never.
FLAG_REFRESH_HOURS = envint("ACCORD_FLAG_REFRESH_HOURS", 24, minimum=0)

# --- Locale -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("ACCORD_LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step and fontTools every font table it subsets, at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}
