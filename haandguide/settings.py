"""Haandguide settings: one module, driven by the environment.

Development (the default) needs nothing: SQLite under ./var, Celery tasks run eagerly in the
request, no Redis. Production is chosen with HAANDGUIDE_MODE=production and then refuses to start
without a real SECRET_KEY, ALLOWED_HOSTS, a PostgreSQL DATABASE_URL and a REDIS_URL.

Every value read here goes through a helper that refuses bad input with ImproperlyConfigured,
so a typo stops start-up instead of silently falling back.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HAANDGUIDE_VAR_DIR", BASE_DIR / "var"))

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production-haandguide"


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name or sqlite:///path into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql"}:
        name = parts.path.lstrip("/")
        if not name:
            raise ImproperlyConfigured("DATABASE_URL must name a database: postgres://…/haandguide")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(name),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "ATOMIC_REQUESTS": True,
            # Parameters bound by the server and a statement run 5 times on a connection prepared
            # (psycopg 3): PostgreSQL then reuses its plan and psycopg no longer quotes values in
            # Python – about 10 % of a child page's time (issue 16, throughput). Off behind a
            # transaction-pooling PgBouncer older than 1.21, which cannot keep prepared statements.
            "OPTIONS": ({"server_side_binding": True, "prepare_threshold": 5}
                        if env_bool("DATABASE_PREPARED_STATEMENTS", True) else {}),
        }
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("//") else parts.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or str(VAR_DIR / "haandguide.sqlite3"),
            "ATOMIC_REQUESTS": True,
            # Several people at once on the embedded default (runserver is threaded): a request's
            # transaction takes the write lock when it begins (IMMEDIATE), so a read never has to be
            # upgraded to a write mid-transaction – the "database is locked" SQLite answers at once,
            # without waiting. The others wait up to `timeout` seconds for it; WAL lets reads
            # proceed beside a write.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with postgres:// or sqlite://, not {parts.scheme or url!r}."
    )


MODE = env_str("HAANDGUIDE_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"HAANDGUIDE_MODE must be development or production, not {MODE!r}.")
PRODUCTION = MODE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: it shows children's data in error pages.")

SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters in production.")
# The key for CPR digests (haandguide.lib.cpr.digest): separate from SECRET_KEY so rotating the
# session key does not orphan every stored digest. Falls back to SECRET_KEY when unset.
CPR_HASH_KEY = env_str("CPR_HASH_KEY", "")

ALLOWED_HOSTS = [h.strip() for h in (env_str("ALLOWED_HOSTS", "") or "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the app is served on.")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env_str("CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()
]

DATABASE_URL = env_str("DATABASE_URL")
if PRODUCTION and not (DATABASE_URL and DATABASE_URL.startswith(("postgres://", "postgresql://"))):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://…) in production.")
DATABASES = {"default": database_from_url(DATABASE_URL or "sqlite://")}

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis:// or rediss://, not {REDIS_URL!r}.")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production: Celery runs the deadline jobs.")

INSTALLED_APPS = [
    "haandguide",
    "cases",
    "handleplan",
    "community",
    "districtcouncil",
    "reports",
    "portal",
    "integrations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # After django-otp's apps: its admin replaces their unscoped device admins.
    "sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "haandguide.middleware.IdleTimeoutMiddleware",  # renews the session at most once a minute
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "haandguide.actors.ActorMiddleware",  # request.actor: who acts, for the services
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    # Before the login redirect, after the CSRF check: a save that arrives after the session
    # ended is kept and completed after signing in again (haandguide/keep_typed.py).
    "haandguide.keep_typed.KeepTypedMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "haandguide.middleware.AccessDeniedLogMiddleware",
    # Axes last, as its documentation asks, so it sees the final response of a login attempt.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:  # collected static files, served by the app itself (closed network, no CDN)
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "haandguide.urls"
WSGI_APPLICATION = "haandguide.wsgi.application"

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
                "django.template.context_processors.csp",
                "haandguide.context_processors.navigation",
                "haandguide.keep_typed.context",
            ],
            "builtins": ["haandguide.templatetags.danish"],
        },
    },
]

AUTH_USER_MODEL = "haandguide.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "haandguide.backends.StaffBackend",  # ModelBackend, the user read with the municipality
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Inactivity timeout: the session lives SESSION_IDLE_MINUTES after the last request, renewed at
# most once a minute (haandguide.middleware.IdleTimeoutMiddleware), not written on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = False
# While a person types, the page sends a heartbeat this often (only after real input since the
# last one), so typing counts as activity; it must come well within the idle timeout.
SESSION_KEEPALIVE_SECONDS = env_int("SESSION_KEEPALIVE_SECONDS", 120, minimum=10)
if SESSION_KEEPALIVE_SECONDS * 2 > SESSION_COOKIE_AGE:
    raise ImproperlyConfigured("SESSION_KEEPALIVE_SECONDS must be at most half of SESSION_IDLE_MINUTES (in seconds).")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): lock a username + IP after repeated failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sign-in through the municipality's identity provider (sso/): each provider is data in the admin;
# its client secret comes from SSO_CLIENT_SECRET_<SLUG> or the file SSO_SECRETS_DIR/<slug>, never the database.
SSO_SECRETS_DIR = env_str("SSO_SECRETS_DIR", "") or ""
# Local password accounts need a second factor (TOTP through django-otp, with recovery codes) in
# production; the embedded default keeps its plain demo logins.
LOCAL_LOGIN_TOTP = env_bool("LOCAL_LOGIN_TOTP", PRODUCTION)
OTP_TOTP_ISSUER = "Haandguide"

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk")]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
try:  # Bootstrap comes from PyPI (XStatic-Bootstrap), served as /static/bootstrap/…
    import xstatic.pkg.bootstrap as _xstatic_bootstrap

    STATICFILES_DIRS.append(("bootstrap", _xstatic_bootstrap.BASE_DIR))
except ImportError:  # pragma: no cover - the dependency is pinned in pyproject.toml
    raise ImproperlyConfigured("XStatic-Bootstrap is not installed: run the README's set-up command.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded documents live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "private")))
# Where the folder adapters drop outgoing files (Digital Post MeMo files, journalisering) unless a
# municipality's channel names its own folder (integrations/channels.py).
OUTBOX_ROOT = Path(env_str("OUTBOX_ROOT", str(VAR_DIR / "outbox")))
# No URL route serves MEDIA_ROOT; files go out only through views that check the user's scope.
MEDIA_URL = "/ingen-direkte-adgang/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cache: Redis when configured (shared by all web processes), otherwise in-process memory.
if REDIS_URL:
    # Short socket timeouts: a page or a save must not hang on an unreachable Redis (reports.cache
    # then computes the statistics directly).
    CACHES = {"default": {"BACKEND": "haandguide.lib.redis_cache.SharedClientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions: in production with Redis, read from the cache and written through to the database
# ("cached_db": a page view reads no session row, and a lost Redis signs nobody out); elsewhere
# the database. SESSION_STORE=db|cached_db overrides (the load benchmark measures both).
SESSION_STORE = env_str("SESSION_STORE") or ("cached_db" if PRODUCTION and REDIS_URL else "db")
if SESSION_STORE not in {"db", "cached_db"}:
    raise ImproperlyConfigured(f"SESSION_STORE must be db or cached_db, not {SESSION_STORE!r}.")
if SESSION_STORE == "cached_db" and not REDIS_URL:
    raise ImproperlyConfigured("SESSION_STORE=cached_db needs REDIS_URL (a per-process cache would not be shared).")
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"

# Celery: without Redis, tasks run eagerly inside the request (development, first-command demo).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or env_bool("CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Fail fast when Redis is away: pages must not hang on the broker (see haandguide/lib/queue.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Each worker process prints a small PDF as it starts (haandguide.celery), so the first report does
# not load WeasyPrint and its fonts (~0.8 s).
PDF_WARM_UP = env_bool("PDF_WARM_UP", True)
# With acks_late, a message whose worker died (kill -9, lost machine) stays unacknowledged in Redis
# and is handed out again once this many seconds have passed since delivery. It must be longer than
# any task runs and any retry countdown (reminders back off up to an hour), or a healthy worker's
# task would be delivered a second time; the sweeps find lost work sooner (reports after 30 min).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600, minimum=1)}
CELERY_BEAT_SCHEDULE = {
    "seal-access-log": {"task": "haandguide.tasks.seal_access_log", "schedule": crontab()},  # every minute
    "ensure-access-log-partitions": {"task": "haandguide.tasks.ensure_access_log_partitions",
                                     "schedule": crontab(hour=1, minute=50)},
    "purge-access-log": {"task": "haandguide.tasks.purge_access_log", "schedule": crontab(hour=2, minute=15)},
    "verify-access-log": {"task": "haandguide.tasks.verify_access_log", "schedule": crontab(hour=2, minute=30)},
    "anonymise-due-children": {"task": "haandguide.tasks.anonymise_due_children", "schedule": crontab(hour=2, minute=45)},
    # District council: every 15 minutes, so an agenda closes soon after its deadline passes.
    "close-due-agendas": {"task": "districtcouncil.tasks.close_due_agendas", "schedule": 15 * 60},
    "send-draft-reminders": {"task": "districtcouncil.tasks.send_draft_reminders", "schedule": 60 * 60},
    "notify-due-reassessments": {"task": "districtcouncil.tasks.notify_due_reassessments",
                                 "schedule": crontab(hour=6, minute=30)},
    "send-follow-up-reminders": {"task": "districtcouncil.tasks.send_follow_up_reminders",
                                 "schedule": crontab(hour=6, minute=40)},
    # Handleplan: evaluations due soon or overdue, once a day (CELERY_TIMEZONE is Europe/Copenhagen).
    "handleplan-evaluation-reminders": {"task": "handleplan.tasks.send_evaluation_reminders",
                                        "schedule": crontab(hour=6, minute=30)},
    # Reports: pick up PDF reports whose queue message was lost (Redis down when they were asked for).
    "build-pending-reports": {"task": "reports.tasks.build_pending_reports", "schedule": 5 * 60},
    # Statistics: rebuild the institution-months marked dirty and compute the figures of every
    # municipality and district whose cached figures are stale, before the working day and each
    # hour: work in proportion to what changed (a lost invalidation expires with the entry, 25 h).
    "warm-statistics-nightly": {"task": "reports.tasks.warm_statistics", "schedule": crontab(hour=4, minute=0)},
    # Integrations: letters and documents whose send task was lost or failed (integrations/outbox.py).
    "send-outbox-due": {"task": "integrations.tasks.send_outbox_due", "schedule": 5 * 60},
    "warm-statistics-hourly": {"task": "reports.tasks.warm_statistics", "schedule": crontab(minute=20, hour="6-18")},
}

_mail_backend = env_str(
    "EMAIL_BACKEND",
    # Development writes each email as a file under var/mail/ instead of sending it.
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {"host": env_str("EMAIL_HOST", "localhost"), "port": env_int("EMAIL_PORT", 25, minimum=1)}
elif _mail_backend.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": str(VAR_DIR / "mail")}
else:
    _mail_options = {}
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
# Absolute address of the app, for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "haandguide@localhost")

# Content Security Policy (Django's own): no inline scripts, everything served from us.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_cpr": {"()": "haandguide.lib.cpr.MaskCprLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_cpr"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint narrates every layout step at INFO; only its warnings matter to us.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Rows per page of every list (haandguide.lib.pages.page_of).
PAGE_SIZE = 25

# How long the access log is kept (days). Citizens may ask who looked at their child's data;
# after this period the rows are purged by a periodic job.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 5 * 365, minimum=30)
# The nightly verification walks the rows sealed since its last run, and walks the older rows
# again a slice a night: every sealed row is re-checked at least once in this many nights.
ACCESS_LOG_RECHECK_NIGHTS = env_int("ACCESS_LOG_RECHECK_NIGHTS", 30, minimum=1)
