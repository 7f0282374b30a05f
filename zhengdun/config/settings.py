"""One settings module, configured from the environment (see docs/configuration.md).

The embedded tier (SQLite, in-process jobs, files on disk) needs no variable at all; the scale
tier sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL. Secrets come from the environment, a
*_FILE variable, or — on the embedded tier — a file generated once under the data directory.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the zhengdun package
PROJECT_DIR = BASE_DIR.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


DATA_DIR = Path(env_str("ZHENGDUN_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# A key nobody may run production with: it is public in this repository.
INSECURE_SECRET_KEY = "zhengdun-insecure-development-key-do-not-use-in-production"  # noqa: S105


def env_secret(name: str, generated_file: str, nbytes: int = 48) -> str:
    """Read a secret from NAME, from the file named by NAME_FILE, or from a file in DATA_DIR.

    The last case is the embedded tier's: the first start writes a random secret (mode 600),
    so a fresh install never runs on a well-known key and restarts keep sessions and data.
    """
    if os.environ.get(name):
        return os.environ[name]
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    path = DATA_DIR / generated_file
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


DEBUG = env_bool("ZHENGDUN_DEBUG", False)
# Under pytest the static manifest is not built and SQLite connections are not kept.
TESTING = env_bool("ZHENGDUN_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_secret("ZHENGDUN_SECRET_KEY", "secret_key")
if not DEBUG and (SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "ZHENGDUN_SECRET_KEY is the public default or shorter than 32 characters; "
        "production mode refuses to start with it."
    )
# Key for field encryption (ID-card numbers, reporter identity). Base64 of 32 random bytes.
FIELD_ENCRYPTION_KEY = env_secret("ZHENGDUN_FIELD_KEY", "field_key", nbytes=32)

ALLOWED_HOSTS = [
    h for h in env_str("ZHENGDUN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("ZHENGDUN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "zhengdun.core",
    "zhengdun.audit",
    "zhengdun.org",
    "zhengdun.accounts",
    "zhengdun.clues",
    "zhengdun.selfreports",
    "zhengdun.rectification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # a body over REQUEST_MAX_BYTES gets the Chinese 413 page before anything reads it
    "zhengdun.core.middleware.RequestSizeLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhengdun.audit.middleware.RequestContextMiddleware",
    "zhengdun.accounts.middleware.SessionSecurityMiddleware",
]

# the model backend, loading the home unit with the user (accounts.backends)
AUTHENTICATION_BACKENDS = ["zhengdun.accounts.backends.UserBackend"]

ROOT_URLCONF = "zhengdun.config.urls"
WSGI_APPLICATION = "zhengdun.config.wsgi.application"

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
                "zhengdun.core.context_processors.platform",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'zhengdun.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("ZHENGDUN_DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing with "database is locked" on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 60
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT for a web application's short queries: PostgreSQL compiles any plan estimated above
    # jit_above_cost, and a mis-estimated page query (a common search term) spent 20–40 ms
    # compiling a plan that then ran in 0.5 ms. A report that wants it can SET LOCAL jit = on.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Every select of a form iterates its queryset with .iterator(), which PostgreSQL would serve
    # through a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE): 2.5 ms for a list of
    # fifteen channels, three such selects on every ledger page. Long scans page by primary key
    # instead (clues.deadlines.scan).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background jobs -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
# Without a broker the embedded tier runs every job in-process, through the same task code.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Without a broker, one server process runs the periodic jobs itself (core.scheduler).
EMBEDDED_SCHEDULER = env_bool("ZHENGDUN_EMBEDDED_SCHEDULER", not CELERY_BROKER_URL and not TESTING)
SCHEDULER_INTERVAL_MINUTES = env_int("ZHENGDUN_SCHEDULER_INTERVAL_MINUTES", 30)

# --- auth and login security (等保 level 3 basics) ----------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "zhengdun.accounts.passwords.ComplexityValidator"},
]
if TESTING:
    # Each test builds a small city with a dozen accounts; PBKDF2's 1M rounds per account
    # would dominate the suite. Production keeps Django's default hashers.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
LOGIN_MAX_FAILURES = env_int("ZHENGDUN_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_MINUTES = env_int("ZHENGDUN_LOGIN_LOCK_MINUTES", 15)
PASSWORD_MAX_AGE_DAYS = env_int("ZHENGDUN_PASSWORD_MAX_AGE_DAYS", 90)
SESSION_IDLE_MINUTES = env_int("ZHENGDUN_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Sliding idle timeout: accounts.middleware.SessionSecurityMiddleware pushes the expiry forward
# at most once a minute — saving the session on every request wrote to the database (and took
# SQLite's single write lock) for every page view.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS reverse proxy set ZHENGDUN_HTTPS=1: cookies become Secure and HSTS is sent.
HTTPS = env_bool("ZHENGDUN_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
USE_THOUSAND_SEPARATOR = False

# --- static and uploaded files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
if TESTING:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root; tests use the finders
MEDIA_ROOT = Path(env_str("ZHENGDUN_MEDIA_DIR", str(DATA_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- audit -----------------------------------------------------------------------------------
# sha256 by default; "sm3" where the OpenSSL build offers it (密评 deployments).
AUDIT_HASH_ALGORITHM = env_str("ZHENGDUN_AUDIT_HASH", "sha256")

# --- clue handling (domain.md §3.3: every limit marked LOCAL/UNVERIFIED is configurable) ----
# Number pattern: {region} 6-digit 区划代码 of the receiving unit, {year}, {serial} per region+year.
CLUE_NUMBER_PATTERN = env_str("ZHENGDUN_CLUE_NUMBER_PATTERN", "{region}{year}{serial:05d}")
CLUE_DEFAULT_DEADLINE_DAYS = env_int("ZHENGDUN_CLUE_DEFAULT_DEADLINE_DAYS", 30)  # working days
CLUE_NEAR_DUE_WORKING_DAYS = env_int("ZHENGDUN_CLUE_NEAR_DUE_DAYS", 3)
CLUE_TRANSFER_WORKING_DAYS = env_int("ZHENGDUN_CLUE_TRANSFER_DAYS", 5)  # verified [S12][S13]
CLUE_FEEDBACK_WORKING_DAYS = env_int("ZHENGDUN_CLUE_FEEDBACK_DAYS", 15)  # verified [S12]
# Lists count exactly up to this many rows, then say "1000+": counting a common filter or search
# term over a million clues costs a tenth of a second per 10,000 rows counted (docs/decisions.md).
LIST_COUNT_CAP = env_int("ZHENGDUN_LIST_COUNT_CAP", 1000)
# 自查从宽: a self-reported amount below this share of the amount verified is 避重就轻 (UNVERIFIED:
# no source fixes the line; domain.md §4)
LENIENCY_MIN_DISCLOSED_SHARE = float(env_str("ZHENGDUN_LENIENCY_MIN_DISCLOSED_SHARE", "0.5"))
# --- rectification (顽瘴痼疾专项整治) ---------------------------------------------------------
# 临期: an open problem due within this many calendar days is flagged yellow (LOCAL)
RECTIFICATION_NEAR_DUE_DAYS = env_int("ZHENGDUN_RECTIFICATION_NEAR_DUE_DAYS", 7)
RECTIFICATION_NUMBER_PATTERN = env_str("ZHENGDUN_RECTIFICATION_NUMBER_PATTERN", "ZG{year}{serial:04d}")
CLUE_DUPLICATE_THRESHOLD = float(env_str("ZHENGDUN_CLUE_DUPLICATE_THRESHOLD", "0.5"))
ATTACHMENT_MAX_BYTES = env_int("ZHENGDUN_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
# The hard cap on a request body (core.middleware.RequestSizeLimit answers the Chinese 413 page):
# an attachment plus the form around it. Django's own limit on the form fields is the same figure,
# far above any text field's limit (反映问题内容: 20,000 字, at most ~180 KB even percent-encoded),
# so an over-long text reaches the form, which names the field and its limit and keeps the input
# instead of Django's bare English "Bad Request (400)".
REQUEST_MAX_BYTES = (
    env_int("ZHENGDUN_REQUEST_MAX_MB", ATTACHMENT_MAX_BYTES // (1024 * 1024) + 10) * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
CSRF_FAILURE_VIEW = "zhengdun.core.errors.csrf_failure"
# Effect periods in months (政务处分法 art. 8; 党纪 by 纪律处分条例). Override with a JSON object.
SANCTION_PERIOD_MONTHS = {
    "gov_warning": 6,
    "gov_demerit": 12,
    "gov_major_demerit": 18,
    "gov_demotion": 24,
    "gov_dismissal_post": 24,
    "party_warning": 12,
    "party_serious_warning": 18,
}
if env_str("ZHENGDUN_SANCTION_PERIOD_MONTHS"):
    import json

    SANCTION_PERIOD_MONTHS.update(json.loads(env_str("ZHENGDUN_SANCTION_PERIOD_MONTHS")))

# --- platform --------------------------------------------------------------------------------
# The demo city comes with demo records of each capability (zhengdun seed / setup).
DEMO_RECORDS = env_bool("ZHENGDUN_DEMO_RECORDS", True)
PLATFORM_NAME = env_str("ZHENGDUN_PLATFORM_NAME", "教育整顿工作平台")
PORT = env_int("ZHENGDUN_PORT", 8000)
HOST = env_str("ZHENGDUN_HOST", "127.0.0.1")
WORKERS = env_int("ZHENGDUN_WORKERS", 2)
THREADS = env_int("ZHENGDUN_THREADS", 4)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # an expected 403/404 is one line, not a traceback; a 500 keeps its traceback
    "filters": {"expected_refusals": {"()": "zhengdun.core.errors.ExpectedRefusalFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["expected_refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("ZHENGDUN_LOG_LEVEL", "WARNING")},
}
