"""Khata settings, all driven by the environment (see README, "Configuration").

KHATA_HOME          folder for the SQLite file, the task queue, uploads, the secret key (./var)
KHATA_DATABASE_URL  sqlite:///… (default: KHATA_HOME/khata.sqlite3) or postgres://…
KHATA_SECRET_KEY    generated on first run and kept in KHATA_HOME when absent
KHATA_DEBUG         1/true for development; off by default (the production profile)
KHATA_ALLOWED_HOSTS comma-separated host names (default: localhost,127.0.0.1,[::1])
KHATA_TASKS         sqlite (default) | postgres | redis://…  — the Huey queue behind django.tasks
KHATA_TIME_ZONE     the company's default time zone (default: UTC)
KHATA_HTTPS         1 when served behind TLS: secure cookies, HSTS, SSL redirect
KHATA_BASE_URL      how people reach Khata, for links the command line prints (http://127.0.0.1:8000)
"""

import importlib.util
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
KHATA_HOME = Path(os.environ.get("KHATA_HOME", "var")).resolve()
KHATA_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept in KHATA_HOME."""
    if os.environ.get("KHATA_SECRET_KEY"):
        return os.environ["KHATA_SECRET_KEY"]
    key_file = KHATA_HOME / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("KHATA_DEBUG")
HTTPS = env_bool("KHATA_HTTPS")
ALLOWED_HOSTS = env_list("KHATA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KHATA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "bootstrap",
    "ninja",
    "axes",
    "huey.contrib.djhuey",
    "khata.core",
    "khata.team",
    "khata.clients",
    "khata.catalog",
    "khata.reliability",
    "khata.prospecting",
    "khata.planning",
    "khata.audit",
    "khata.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "khata.team.middleware.LoginRequiredMiddleware",
    "khata.team.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "khata.config.urls"
WSGI_APPLICATION = "khata.config.wsgi.application"
ASGI_APPLICATION = "khata.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("KHATA_DATABASE_URL") or f"sqlite:///{KHATA_HOME / 'khata.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN
    # so concurrent writers queue on the busy timeout instead of failing with "locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=134217728;"
            " PRAGMA cache_size=-32000;"
        ),
    }
    # Tests use a file (not memory) so a real worker process can share the test database.
    _db["TEST"] = {"NAME": str(KHATA_HOME / "test-khata.sqlite3")}
else:
    _db.setdefault("OPTIONS", {})
# Persistent connections on SQLite too: a new one per request re-runs init_command's PRAGMAs
# and re-reads the schema, about 3 ms of CPU (docs/benchmarks.md).
_db["CONN_MAX_AGE"] = int(os.environ.get("KHATA_CONN_MAX_AGE", "600"))
_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background tasks: django.tasks API, Huey underneath --------------------------------------

TASKS_URL = os.environ.get("KHATA_TASKS", "sqlite")
if TASKS_URL == "sqlite":
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "khata",
        "filename": str(KHATA_HOME / "tasks.sqlite3"),
        "immediate": False,
    }
elif TASKS_URL.startswith(("postgres", "postgresql")):
    if TASKS_URL in {"postgres", "postgresql"} and _db["ENGINE"] == "django.db.backends.sqlite3":
        raise ValueError("KHATA_TASKS=postgres keeps the queue in the main database, which is "
                         "SQLite here; set KHATA_DATABASE_URL=postgres://… or "
                         "KHATA_TASKS=postgres://…")
    HUEY = {
        "huey_class": "huey.PostgresHuey",
        "name": "khata",
        "dsn": DATABASE_URL if TASKS_URL in {"postgres", "postgresql"} else TASKS_URL,
        "immediate": False,
    }
elif TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "khata", "url": TASKS_URL, "immediate": False}
else:
    raise ValueError(f"KHATA_TASKS must be sqlite, postgres or a redis:// URL, not {TASKS_URL!r}")
HUEY["consumer"] = {"workers": int(os.environ.get("KHATA_WORKER_THREADS", "2")),
                    "worker_type": "thread"}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("KHATA_TASK_BACKEND", "khata.core.tasks_backend.HueyTaskBackend"),
        "OPTIONS": {"stuck_after_seconds": 900, "max_attempts": 3},
    }
}

# --- auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "team.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "team:login"
LOGIN_REDIRECT_URL = "home:today"
LOGOUT_REDIRECT_URL = "team:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = int(os.environ.get("KHATA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked account opens again after 15 minutes
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "khata.team.auth.axes_username"  # one count per account, any case
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "team/locked_out.html"
AXES_VERBOSE = False
# Lock the *account* (what the issue asks); locking by IP address as well would lock out a whole
# office behind one NAT after a few typos, so axes' advice to add it is deliberately declined.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- i18n and time --------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("KHATA_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static and uploads ---------------------------------------------------------------------

STATIC_URL = "static/"
# plotly's own bundle (the plotly package on PyPI ships it) as static/plotly/plotly.min.js:
# charts work offline, no CDN.
STATICFILES_DIRS = [("plotly", Path(importlib.util.find_spec("plotly").origin).parent
                     / "package_data")]
STATIC_ROOT = KHATA_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = KHATA_HOME / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the installed packages when collectstatic has not run (tests, shell).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- security: the production profile passes `check --deploy` -------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KHATA_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("KHATA_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- API ------------------------------------------------------------------------------------

NINJA_PAGINATION_CLASS = "khata.core.pagination.LimitOffset"  # `@paginate` with bounded input

# --- logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KHATA_LOG_LEVEL", "WARNING")},
    "loggers": {
        "khata": {"level": os.environ.get("KHATA_LOG_LEVEL", "INFO")},
        "huey": {"level": os.environ.get("KHATA_LOG_LEVEL", "INFO")},
    },
}

# Seconds without a worker heartbeat before /healthz reports the worker as down.
KHATA_WORKER_STALE_AFTER = 180

# Where people reach Khata, for links printed outside a request (the command line's one-time
# set-password links). Pages use the request's own host.
KHATA_BASE_URL = os.environ.get("KHATA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A newly appointed person's set-password link works for this long (seconds): a week.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("KHATA_SET_PASSWORD_DAYS", "7")) * 86400
