"""Studio CRM settings, read from the environment.

Every setting has an embedded default that is safe on a laptop. With ``DEBUG`` off (production) the
secrets must come from the environment, and the process refuses to start without them.
"""

import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules


def local_secret(name: str, make) -> str:
    """A development secret, generated once into the git-ignored ``var/local_secrets.json``."""
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off.")
    path = VAR_DIR / "local_secrets.json"
    VAR_DIR.mkdir(exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = make()
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored[name]


SECRET_KEY = env_str("SECRET_KEY") or local_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
# Fernet keys for personal data at rest, newest first; see bookings/pii.py and rotate_pii_key.
PII_KEYS = env_list("PII_KEYS") or [local_secret("PII_KEYS", lambda: Fernet.generate_key().decode())]
# The HMAC key of the phone blind index. It is separate from PII_KEYS so that rotating the
# encryption keys never changes how bookings are found by phone.
PII_INDEX_KEY = env_str("PII_INDEX_KEY") or local_secret("PII_INDEX_KEY", lambda: secrets.token_hex(32))
# Masked fields (phones, emails) reach the audit trail as "[hidden]": no readable part is kept.
AUDITLOG_MASK_CALLABLE = "bookings.pii.audit_mask"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guardian",
    "auditlog",
    "axes",
    "django_rq",
    "django_prometheus",
    "studio_crm",
    "employees",
    "bookings",
    "studio_setup",
    "calendar_app",
    "kanban",
    "compliance",
    "notifications",
]

MIDDLEWARE = [
    # First: it times what all the others do, and every answer carries the request id (README: logs).
    "studio_crm.request_log.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # gzip for clients that accept it, after everything below has written the body (BREACH: see the module).
    "studio_crm.compression.CompressionMiddleware",
    "studio_crm.query_strings.RefuseControlCharactersMiddleware",
    "studio_crm.headers.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "studio_crm.middleware.DatabaseConnectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Guests: the switcher's cookie, else the browser's Accept-Language, else STUDIO_LANGUAGE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "studio_crm.headers.PrivatePagesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "employees.middleware.StaffSessionMiddleware",
    # Staff: the language of their account, whatever the browser says.
    "studio_crm.languages.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

if not DEBUG:
    # In production static files are collected (collectstatic) and served by WhiteNoise; in
    # development the server serves them straight from the apps, static/ and node_modules.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "studio_crm.urls"
WSGI_APPLICATION = "studio_crm.wsgi.application"
ASGI_APPLICATION = "studio_crm.asgi.application"

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
                "studio_crm.context_processors.studio",
            ],
            # Every template translates and formats money and dates: no page can forget to load them.
            "builtins": [
                "template_partials.templatetags.partials",
                "django.templatetags.i18n",
                "studio_crm.templatetags.formatting",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------

VAR_DIR.mkdir(exist_ok=True)
# CONN_MAX_AGE stays 0: under ASGI every request runs in a thread of its own, and a persistent
# connection stays behind with a thread that no later request reuses. On PostgreSQL the pool below
# keeps the connections instead, a bounded number per process.
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'studio.sqlite3'}"))}
# Behind pgbouncer in transaction mode: pgbouncer pools, so the process keeps no pool of its own, and
# a server-side cursor would not survive to its next fetch on another server connection.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # keeps options from the URL's query
    # The name in pg_stat_activity; libpq's PGAPPNAME gives workers and the scheduler names of their own.
    _options.setdefault("application_name", env_str("PGAPPNAME", "studio-crm"))
    if DATABASE_TRANSACTION_POOLING:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # Each process holds at most DATABASE_POOL_MAX server connections (processes x max must
        # stay under PostgreSQL's max_connections, see the README); a request that finds none free
        # within the timeout is answered 503 (studio_crm/middleware.py).
        _options["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": float(env_str("DATABASE_POOL_TIMEOUT", "10")),
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two bookings checked at the same time
    # are serialised by SQLite itself rather than failing on upgrade from a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not shared-cache memory: threads in the concurrency tests need real file locking.
    # One per test process, so that two runs side by side never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, queues ---------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")


def deployment_channel_prefix(secret_key: str, database: dict) -> str:
    """A channel-layer prefix of one deployment: the same in every process with this secret key and
    database name (web processes and workers may reach the database by different hosts), different for
    a deployment with another key or database, and telling nothing about the key."""
    from django.utils.crypto import salted_hmac

    name = str(database["NAME"])
    digest = salted_hmac("channel-layer-prefix", name, secret=secret_key, algorithm="sha256").hexdigest()
    return f"studio-{digest[:16]}"


# Redis pub/sub ignores database numbers: deployments on one Redis server (two studios, or staging
# beside production) hear each other's groups unless their channel names differ.
CHANNEL_LAYER_PREFIX = env_str("CHANNEL_LAYER_PREFIX") or deployment_channel_prefix(SECRET_KEY, DATABASES["default"])
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "studio_crm.cache.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # The prefix starts every channel and group name the layer publishes and subscribes to.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The channel-layer group every open kanban board joins, inside the deployment's prefix (tests give
# each test its own).
KANBAN_GROUP = "kanban"
# Without Redis, background jobs run in-process right after the transaction commits.
# With Redis the queue shares the cache's connections (studio_crm/cache.py); django-rq would open a new pool,
# and so a new connection, for every job a request queues.
RQ_QUEUES = {"default": {**({"USE_REDIS_CACHE": "default"} if REDIS_URL else {"URL": "redis://127.0.0.1:6379/0"}),
                         "DEFAULT_TIMEOUT": 300}}
RQ_ENABLED = bool(REDIS_URL)

# --- Auth -----------------------------------------------------------------------------------------

AUTH_USER_MODEL = "employees.Employee"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow by design; tests that are not about hashing use a fast hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/login/"

# A staff session ends STAFF_IDLE_TIMEOUT_MINUTES after its last request, and STAFF_SESSION_MAX_HOURS
# after signing in however busy it is (employees/middleware.py).
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 60)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = 60 * 60 * STAFF_SESSION_MAX_HOURS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
# Per account and address: an attacker from one address cannot lock an employee out everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "employees/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "studio_crm.network.client_ip"
# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
# Lockouts, rate limits, consent records and the session list all read the address through it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

OTP_TOTP_ISSUER = env_str("STUDIO_NAME", "Studio CRM")
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# --- Studio ---------------------------------------------------------------------------------------

STUDIO_NAME = env_str("STUDIO_NAME", "Light & Frame Studio")
# Staff read STUDIO_LANGUAGE unless their account says otherwise; guests read their browser's language.
# Each language named in itself, as a switcher shows it.
LANGUAGES = [("ru", "Русский"), ("en", "English")]
STUDIO_LANGUAGE = env_str("STUDIO_LANGUAGE", "ru")
if STUDIO_LANGUAGE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"STUDIO_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}.")
LANGUAGE_CODE = STUDIO_LANGUAGE
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times per language, the admin's included: 24-hour clocks in both (studio_crm/formats/).
FORMAT_MODULE_PATH = ["studio_crm.formats"]
LANGUAGE_COOKIE_NAME = "studio_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
STUDIO_CURRENCY = env_str("STUDIO_CURRENCY", "RUB")
TIME_ZONE = env_str("STUDIO_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STUDIO_OPENS_AT = env_int("STUDIO_OPENS_AT", 9)  # hour of the day, studio time
STUDIO_CLOSES_AT = env_int("STUDIO_CLOSES_AT", 22)
BOOKING_MIN_HOURS = env_int("BOOKING_MIN_HOURS", 1)
BOOKING_MAX_HOURS = env_int("BOOKING_MAX_HOURS", 12)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 180)
GUEST_CANCELLATION_HOURS = env_int("GUEST_CANCELLATION_HOURS", 24)
CONSENT_POLICY_VERSION = env_str("CONSENT_POLICY_VERSION", "2026-01")
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "RU")

# --- Notifications --------------------------------------------------------------------------------

# The outbox and its senders live in notifications/ (README: "Notifications and jobs").
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
TELEGRAM_CHAT_ID = env_str("TELEGRAM_CHAT_ID")
TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
# Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every update (setWebhook's secret_token);
# unset, the webhook refuses everything.
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET")
TELEGRAM_TIMEOUT_SECONDS = float(env_str("TELEGRAM_TIMEOUT_SECONDS", "10"))
# Guests are reminded this many hours before their booking starts (each window once).
REMINDER_HOURS = sorted({int(hours) for hours in env_list("REMINDER_HOURS", "24,2")})
# A request nobody confirmed within this many hours is cancelled as expired (0: only at its start).
PENDING_EXPIRY_HOURS = env_int("PENDING_EXPIRY_HOURS", 24)
# A failed delivery is tried again after about 30 s, 1 min, 2 min ... (at most an hour apart), then dead.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 10)
# Without Redis the server process runs the periodic jobs itself: the sweeper every minute, reminders and
# expiry every JOBS_EVERY_MINUTES (notifications/background.py). Never in tests or management commands.
JOBS_EVERY_MINUTES = env_int("JOBS_EVERY_MINUTES", 5)
JOBS_IN_SERVER_PROCESS = not RQ_ENABLED and not TESTING and env_bool("JOBS_IN_SERVER_PROCESS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_URL = env_str("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console:"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    raise ImproperlyConfigured("EMAIL_URL must be console://, smtp://, smtp+tls:// or smtps://")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "studio@localhost")

METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end libraries come from the npm registry through package.json; served from node_modules.
if (BASE_DIR / "node_modules").exists():
    STATICFILES_DIRS.append(("vendor", BASE_DIR / "node_modules"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production) ------------------------------------------------------------------------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: browsers accept these cookies only from this host over HTTPS, with Path=/ and no Domain,
    # so a neighbouring subdomain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be a long random string in production.")

# --- Content security -----------------------------------------------------------------------------
# django-csp. Scripts run only from the site's own files or with the response's nonce: no inline
# handlers, no eval (htmx runs with allowEval off, see base.html). <style> elements come only from
# files; style="" attributes stay allowed, because they carry data (a space's colour, a calendar
# item's place in the grid) and a style cannot run code or, with img-src and font-src closed,
# send anything away. style-src is the fallback for browsers without -elem/-attr.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # Plus this host's ws:// or wss:// origin (studio_crm/headers.py) for the live pages.
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# django-permissions-policy: nothing the studio's pages use, for this site or anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope", "hid",
        "idle-detection", "magnetometer", "microphone", "midi", "payment", "serial", "usb",
        "xr-spatial-tracking",
    )
}

# Request bodies: the public API refuses anything larger (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
API_MAX_BODY_BYTES = 16 * 1024

# --- Logs, metrics and exports (README: "Watching it in production") ------------------------------

# json: one JSON object per line for a log collector; plain: lines for a person on a laptop.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain.")
# The servers' access lines repeat the studio's own line per request (studio.request, with its timing and id):
# ACCESS_LOG=false leaves them out (uvicorn's --no-access-log cannot: this configuration comes after it).
ACCESS_LOG_LEVEL = "INFO" if env_bool("ACCESS_LOG", True) else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "studio_crm.request_log.PlainLines", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "studio_crm.request_log.JsonLines"},
    },
    "filters": {
        "hide_phones": {"()": "studio_crm.log_filters.HidePhones"},
        "request_context": {"()": "studio_crm.request_log.RequestContext"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["hide_phones", "request_context"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # The servers' access lines print each request's address, query string included.
        "django.server": {"handlers": ["console"], "level": ACCESS_LOG_LEVEL, "propagate": False},
        "django.channels.server": {"handlers": ["console"], "level": ACCESS_LOG_LEVEL, "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": ACCESS_LOG_LEVEL, "propagate": False},
        "studio": {"handlers": ["console"], "level": env_str("STUDIO_LOG_LEVEL", "INFO"), "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
# A process that serves no /metrics (an RQ worker, the scheduler) exposes its own counters on this port.
PROMETHEUS_METRICS_EXPORT_PORT = env_int("METRICS_PORT", 0) or None
PROMETHEUS_METRICS_EXPORT_ADDRESS = env_str("METRICS_ADDRESS", "127.0.0.1")
# An export of more bookings than this is written to a file by a job rather than streamed (bookings/exports.py);
# the files are kept for EXPORT_KEEP_HOURS in EXPORTS_ROOT, which is private (never under MEDIA_ROOT) and
# shared by the web processes and the workers.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 100_000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
EXPORTS_ROOT = Path(env_str("EXPORTS_ROOT", str(VAR_DIR / "exports")))

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Public booking page and API (bookings/public/) ---------------------
# Abuse limits, "count/period" as django-ratelimit reads them; counted in the default cache (Redis
# when REDIS_URL is set). "_ip" is per client address, "_phone" per phone number.
PUBLIC_RATE_LIMITS = {
    "booking_ip": env_str("RATE_LIMIT_BOOKING_IP", "20/h"),
    "booking_phone": env_str("RATE_LIMIT_BOOKING_PHONE", "5/h"),
    "lookup_ip": env_str("RATE_LIMIT_LOOKUP_IP", "30/h"),
    "lookup_phone": env_str("RATE_LIMIT_LOOKUP_PHONE", "10/h"),
    "availability_ip": env_str("RATE_LIMIT_AVAILABILITY_IP", "600/h"),
    # Slot look-ups and price quotes of /book/ (each runs a free-slot search and may test a promo code).
    "quote_ip": env_str("RATE_LIMIT_QUOTE_IP", "300/h"),
}
# How long the answer to a POST with an Idempotency-Key is kept for retries.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60

# --- Staff sign-in (employees/lockouts.py) --------------------------------------------------------
# Failed sign-ins of one username from all addresses together ("count/period", django-ratelimit),
# beside django-axes' lockout per username and address. Counted in the default cache; failures from
# an address axes has already locked out for that username are not counted.
SIGN_IN_FAILURES_PER_USERNAME = env_str("SIGN_IN_FAILURES_PER_USERNAME", "50/h")
# A browser in which an employee completed a sign-in keeps a signed cookie for this many days; there,
# the limit per username neither applies to nor counts that employee's sign-ins.
SIGN_IN_KNOWN_DEVICE_DAYS = env_int("SIGN_IN_KNOWN_DEVICE_DAYS", 90)
SIGN_IN_DEVICE_COOKIE_NAME = "studio_device" if DEBUG else "__Host-studio_device"

# --- Compliance (compliance/) ---------------------------------------------------------------------
# Bookings that ended more than RETENTION_DAYS ago are anonymised daily (manage.py anonymize_expired), and
# audit entries, messages and sign-in events older than that lose their personal data. 2555 days = 7 years.
RETENTION_DAYS = env_int("RETENTION_DAYS", 2555)
# On PostgreSQL a run's batches are shared by this many connections at once (a batch is the server's work).
RETENTION_WORKERS = env_int("RETENTION_WORKERS", 2)
# A guest's "send me my data" and "delete my data" on their booking's page, per address (bookings/public/).
PUBLIC_RATE_LIMITS["data_request_ip"] = env_str("RATE_LIMIT_DATA_REQUEST_IP", "10/h")
