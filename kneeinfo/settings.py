"""
kneeinfo settings, driven by environment variables with safe defaults.

Every variable is documented in `.env.example`. Nothing secret is committed: without
DJANGO_SECRET_KEY a random key is generated once per installation and kept in `.secret_key`
(outside git), so no known key ever signs anything.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def installation_secret_key(path=BASE_DIR / ".secret_key"):
    """Return this installation's own random key, creating it (mode 0600) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if len(key) < 50:
            raise ImproperlyConfigured(f"{path} is too short to be a secret key.") from None
        return key
    key = secrets.token_urlsafe(64)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or installation_secret_key()
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "kneeinfo.admin_site.EditorsAdminConfig",  # django.contrib.admin, content first
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "markdownx",
    "csp",
    "axes",
    "reversion",
    "articles",
]

MIDDLEWARE = [
    "kneeinfo.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kneeinfo.middleware.SecurityHeadersMiddleware",
    "kneeinfo.middleware.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # Cached public pages are answered here, before sessions, CSRF and the rest (pagecache.py).
    "articles.pagecache.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kneeinfo.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kneeinfo.urls"
WSGI_APPLICATION = "kneeinfo.wsgi.application"

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
            ],
        },
    },
]

# Form widgets render from TEMPLATES as pages do, so templates/markdownx/widget.html can lay
# out the editor with its preview.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tuned for a web server: readers never block an editor's write (WAL), writers wait for
    # each other instead of failing with "database is locked" (busy timeout, IMMEDIATE). The
    # connection is kept between requests, as on PostgreSQL: opening one (with its pragmas
    # and the schema) cost about a millisecond per request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that accepts the connection but never answers costs seconds, not the worker:
    # libpq gives up on connecting after this long (the page then answers 503), instead of
    # waiting until gunicorn kills the worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "5"))
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "kneeinfo"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Room for the pages of a large site in each worker (they are kept compressed, a few KB
    # each); past this, a third of the entries make room at a time.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# With Redis, each process asks it for the content version at most this often (seconds): the
# longest a save made on another host takes to reach this one's readers.
CONTENT_VERSION_RECHECK = float(os.environ.get("DJANGO_CONTENT_VERSION_RECHECK", "1"))
# Without Redis every worker process has a local memory cache of its own; the processes on one
# host then share the content version (articles/cache.py) through this small file, so that a
# save seen by one worker invalidates the pages cached by all of them.
CONTENT_VERSION_FILE = os.environ.get("DJANGO_CONTENT_VERSION_FILE") or (
    f"{DATABASES['default']['NAME']}-version"
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else str(BASE_DIR / "var" / "content-version")
)

# --- Auth -------------------------------------------------------------------------------------

# The admin lives at DJANGO_ADMIN_PATH (default "admin/"); a less obvious path cuts noise.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Admin logins: after 5 failures for one user name from one address, that pair is locked out
# for an hour (a successful login resets the count).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# Behind the proxy every request comes from the proxy's address: without this, five wrong
# passwords from anywhere would lock an editor out for everyone (middleware.client_ip).
AXES_CLIENT_IP_CALLABLE = (
    "kneeinfo.middleware.client_ip" if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600  # hashed files get a year automatically; unhashed ones an hour

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB of form data
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security ---------------------------------------------------------------------------------

# DJANGO_HTTPS=1 is the production switch: redirect to HTTPS, secure cookies, HSTS. It is off
# by default so that `make run` works on http://127.0.0.1:8000; each part can be set alone.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS") or (31536000 if HTTPS else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
# No inline script or style on our pages, nothing from other hosts (SiteCSPMiddleware lets the
# admin, and only the admin, use inline styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Public pages: browsers and CDNs may keep them this many seconds; after a save the server's
# own page cache is invalidated at once, so this is the longest a reader can see an old page.
PAGE_CACHE_MAX_AGE = int(os.environ.get("DJANGO_PAGE_MAX_AGE", "5"))
# The server-side page cache (articles/pagecache.py); off only to measure uncached pages.
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", True)

# --- Logging ----------------------------------------------------------------------------------

# One JSON object a line on stdout, each with the request id (kneeinfo/logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kneeinfo.middleware.RequestIdFilter"}},
    "formatters": {"json": {"()": "kneeinfo.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Markdown editor (django-markdownx) -------------------------------------------------------

MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.markdown.render"
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/png", "image/jpeg", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1200, 1200), "quality": 85}
MARKDOWNX_MEDIA_PATH = "uploads/"

# --- kneeinfo ---------------------------------------------------------------------------------

SITE_NAME = "kneeinfo"
# The public address, used for absolute links in feeds, sitemaps and canonical links when a
# request is not at hand. Requests use their own host.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/")
REVIEW_INTERVAL = timedelta(days=365)
# Searches reach the editors' search log within this many seconds (articles/search/).
SEARCH_LOG_FLUSH_SECONDS = float(os.environ.get("DJANGO_SEARCH_LOG_FLUSH_SECONDS", "10"))
# The search log keeps this many queries; the least searched beyond it are counted in one row.
SEARCH_LOG_MAX_ROWS = int(os.environ.get("DJANGO_SEARCH_LOG_MAX_ROWS", "20000"))
