"""Settings shared by every environment; what a deployment changes comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.settings.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CIVICLOOP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A development key is generated per checkout; production refuses to start without SECRET_KEY.
_dev_key_file = VAR_DIR / "dev-secret-key"
if "SECRET_KEY" in os.environ:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    if not _dev_key_file.exists():
        import secrets

        _dev_key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _dev_key_file.read_text().strip()

# Sealed proposals are encrypted under their own keys, never under SECRET_KEY: a comma-separated
# list of Fernet keys, the first sealing, every one opening (docs/operations.md, "Sealing keys").
# Development and test settings keep a generated key in the var dir; production requires it.
CIVICLOOP_SEALING_KEYS = env_list("CIVICLOOP_SEALING_KEYS", "")


# Secrets CivicLoop must read back to use (webhook signing secrets) are encrypted in the database
# under their own keys: a comma-separated list of Fernet keys, the first encrypting, every one
# decrypting (docs/operations.md, "Field encryption keys"). Development and test settings keep a
# generated key in the var dir; production refuses to start without it.
CIVICLOOP_FIELD_KEYS = env_list("CIVICLOOP_FIELD_KEYS", "")


def dev_keys(file_name: str) -> list[str]:
    """The checkout's development key list `file_name` in the var dir, generated once."""
    key_file = VAR_DIR / file_name
    if not key_file.exists():
        import tempfile

        from cryptography.fernet import Fernet

        # Written aside, then linked into place: parallel test processes all read one key.
        with tempfile.NamedTemporaryFile("w", dir=VAR_DIR, delete=False) as handle:
            handle.write(Fernet.generate_key().decode())
        try:
            os.link(handle.name, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(handle.name)
    return [k.strip() for k in key_file.read_text().split(",") if k.strip()]


def dev_sealing_keys() -> list[str]:
    """The checkout's development sealing key, generated once into the var dir."""
    return dev_keys("dev-sealing-keys")


def dev_field_keys() -> list[str]:
    """The checkout's development field encryption key, generated once into the var dir."""
    return dev_keys("dev-field-keys")


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "civicloop.core",
    "civicloop.web",
    "civicloop.portfolio",
    "civicloop.analytics",
    "civicloop.market",
    "civicloop.experiments",
    "civicloop.feedback",
    "civicloop.evidence",
    "civicloop.scaling",
    "civicloop.privacy",
    "civicloop.people",
    "civicloop.portal",
    "civicloop.participation",
    "civicloop.notifications",
    "civicloop.ops",
]

MIDDLEWARE = [
    # Outermost of all: the request id, the request log line and the request metrics cover
    # every answer, a 503 of FailureMiddleware included (civicloop/web/observability.py).
    "civicloop.web.observability.RequestObservabilityMiddleware",
    # Outermost: a database outage anywhere below (sessions, auth, axes, views) answers 503.
    "civicloop.web.failure.FailureMiddleware",
    "civicloop.web.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's time zone for every date shown (civicloop/core/timezones.py).
    "civicloop.web.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "civicloop.core.mfa.MfaPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "civicloop.web.middleware.SecurityHeadersMiddleware",
    "civicloop.web.middleware.NulCharacterMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "civicloop.web.jinja.environment",
            "extensions": ["jinja2.ext.i18n", "jinja2.ext.do"],
            "autoescape": True,
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "civicloop.web.context.site",
            ],
        },
    },
    {
        # allauth and the admin ship Django templates; ours override allauth's layout.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civicloop" / "web" / "django_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicloop.web.context.site",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicloop.sqlite3'}")


def database_config(url: str) -> dj_database_url.DBConfig:
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on the busy timeout instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=20000;"
            ),
        }
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.Person"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# allauth: e-mail login, no open sign-up (people are invited into organisations).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# An address a person adds on their account page is confirmed by a link sent to it; signing in
# does not wait for it (everyone was invited at an address that already proved itself).
ACCOUNT_EMAIL_VERIFICATION = "optional"
# civicloop.core.auth.AccountAdapter, sending allauth's mail through the task queue.
ACCOUNT_ADAPTER = "civicloop.people.adapter.PeopleAccountAdapter"
# No page tells whether an address has an account (issue 16): password reset and adding an
# address answer alike for known and unknown ones (allauth's default, stated so nobody turns it
# off), and our own sign-up pages answer a taken address as a new one and mail its owner
# (`civicloop.core.auth.signup_existing_address`; civicloop/security_tests/
# test_signup_enumeration.py).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
LOGIN_REDIRECT_URL = "/portfolio/"
LOGIN_URL = "/accounts/login/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CivicLoop"
# People in these roles must set up TOTP at their next sign-in before doing anything else
# ("admin": is_staff or is_superuser; the others are core.models.Role values). See
# civicloop/core/mfa.py and docs/operations.md.
CIVICLOOP_MFA_REQUIRED_ROLES = env_list(
    "CIVICLOOP_MFA_REQUIRED_ROLES", "unit_staff,evaluator,auditor,admin"
)
# E-mail patterns exempt from that rule: set only by config.settings.dev (the demo accounts).
CIVICLOOP_MFA_EXEMPT_EMAILS: list[str] = []

# django-axes: lock an account+address pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_VERBOSE = False
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "civicloop.core.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = None
AXES_LOCKOUT_CALLABLE = "civicloop.core.auth.lockout_response"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# How long sign-in records (axes attempts, access and failure logs: e-mail, address, browser)
# are kept; `manage.py purge_signin_logs` (scheduled daily) deletes older ones.
CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS = int(
    os.environ.get("CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS", "90")
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "civicloop" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The container image collects them at build time, outside the var volume.
STATIC_ROOT = Path(os.environ.get("CIVICLOOP_STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    # Hashed names (style.3f2a1b.css) served with a year's cache lifetime and `immutable`;
    # `collectstatic` writes them (make run, the container build, `civicloop serve` when the
    # manifest is missing). Test settings use the plain storage.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Development serves files straight from the apps (no collectstatic needed with --dev).
WHITENOISE_USE_FINDERS = True

# Background tasks: the database backend (the embedded default: nothing more to run), or, for
# larger installations, Redis through RQ (CIVICLOOP_TASKS_BACKEND=rq, REDIS_URL); either way
# `civicloop worker` runs them (docs/operations.md, "Processes").
CIVICLOOP_TASKS_BACKEND = os.environ.get("CIVICLOOP_TASKS_BACKEND", "database").strip().lower()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# One cache for every process: allauth's sign-in rate limits and other counters must hold
# across gunicorn's processes (a per-process memory cache made the limit N times looser).
# Files under VAR_DIR on one machine; Redis when CIVICLOOP_CACHE=redis (several machines).
if os.environ.get("CIVICLOOP_CACHE", "file") == "redis":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
if CIVICLOOP_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif CIVICLOOP_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CIVICLOOP_TASKS_BACKEND is '{CIVICLOOP_TASKS_BACKEND}': use 'database' or 'rq'."
    )
# Called by the worker after every task: give back what the task held open, so that another
# worker can run the next task on the same organisation's event store.
CIVICLOOP_AFTER_TASK = ["civicloop.analytics.services.event_stores_release"]

CIVICLOOP = {
    "SITE_NAME": os.environ.get("CIVICLOOP_SITE_NAME", "CivicLoop"),
    "API_MAX_PAGE_SIZE": 200,
    "API_DEFAULT_PAGE_SIZE": 50,
    "EVENT_STORE_DIR": str(VAR_DIR / "events"),
    # Any request body above this is refused with 413 before it is read (uploads are <= 10 MB);
    # a body that is not multipart is limited to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) as well.
    "MAX_REQUEST_BYTES": int(os.environ.get("CIVICLOOP_MAX_REQUEST_BYTES", 25 * 1024 * 1024)),
    # Attachments of one sealed proposal: how many, and how many bytes in all (each file is
    # also limited to 10 MB). Over either: 422 naming `file`, nothing stored.
    "MAX_PROPOSAL_FILES": int(os.environ.get("CIVICLOOP_MAX_PROPOSAL_FILES", 5)),
    "MAX_PROPOSAL_FILES_BYTES": int(
        os.environ.get("CIVICLOOP_MAX_PROPOSAL_FILES_BYTES", 25 * 1024 * 1024)
    ),
    # Seconds a client is told to wait (Retry-After) when the database is unavailable (503).
    "UNAVAILABLE_RETRY_AFTER_SECONDS": int(os.environ.get("CIVICLOOP_RETRY_AFTER_SECONDS", 30)),
    # Feedback respondent ids (docs/feedback/README.md "Respondent ids"): regions whose national
    # phone numbers count as personal identifiers, and the key of the hash that citizen pages
    # apply to an id that looks personal (empty: derived from SECRET_KEY).
    "PHONE_REGIONS": [
        r.strip().upper()
        for r in os.environ.get("CIVICLOOP_PHONE_REGIONS", "ES").split(",")
        if r.strip()
    ],
    "RESPONDENT_ID_KEY": os.environ.get("CIVICLOOP_RESPONDENT_ID_KEY", ""),
}

# Outgoing mail (e.g. the notice to bidders when a call is cancelled), sent after commit.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "civicloop@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
# EMAIL_URL (smtp://user:pass@host:587, smtps://…, console://, locmem://) wins over the above;
# civicloop/people/email_url.py lists the forms, docs/operations.md ("E-mail") explains.
if os.environ.get("EMAIL_URL"):
    from civicloop.people.email_url import email_config

    globals().update(email_config(os.environ["EMAIL_URL"]))
# Mail is sent by the `civicloop.people.tasks.email_send` task; a failed send is tried again
# after 1, 2, 4, 8 … minutes, this many attempts in all, and then logged as given up.
CIVICLOOP_EMAIL_MAX_ATTEMPTS = int(os.environ.get("CIVICLOOP_EMAIL_MAX_ATTEMPTS", 5))
# Days an invitation link stays valid (docs/people.md).
CIVICLOOP_INVITATION_EXPIRY_DAYS = int(os.environ.get("CIVICLOOP_INVITATION_EXPIRY_DAYS", 7))

# Every handler redacts query strings (`?unit=[redacted]`): they may hold e-mails and what people
# typed. Django's own loggers are redefined so none keeps a handler without the filter. Every
# record carries the request id and acting organisation (civicloop/web/observability.py);
# CIVICLOOP_LOG_FORMAT chooses readable lines ("text", the default here) or JSON lines ("json",
# the default of production settings). See docs/operations.md, "Logs"; the dictionary is built
# by config/settings/logs.py.
CIVICLOOP_LOG_FORMAT = os.environ.get("CIVICLOOP_LOG_FORMAT", "text")


LOGGING = logging_config(CIVICLOOP_LOG_FORMAT)

# GET /metrics (Prometheus): a bearer token, and/or client networks (CIDRs) allowed without one.
# Neither set: only this machine may read it (docs/operations.md, "Metrics"). X-Forwarded-For
# is believed only from CIVICLOOP_METRICS_TRUSTED_PROXIES (CIDRs of the reverse proxies).
CIVICLOOP_METRICS_TOKEN = os.environ.get("CIVICLOOP_METRICS_TOKEN", "")
CIVICLOOP_METRICS_ALLOW = env_list("CIVICLOOP_METRICS_ALLOW", "")
CIVICLOOP_METRICS_TRUSTED_PROXIES = env_list("CIVICLOOP_METRICS_TRUSTED_PROXIES", "")
# GET /readyz: unavailable when the oldest task ready to run has waited this long (no worker),
# or a disk holding events or uploads has less free space than this.
CIVICLOOP_READY_MAX_TASK_AGE_SECONDS = int(
    os.environ.get("CIVICLOOP_READY_MAX_TASK_AGE_SECONDS", 900)
)
CIVICLOOP_READY_MIN_FREE_BYTES = int(
    os.environ.get("CIVICLOOP_READY_MIN_FREE_BYTES", 512 * 1024 * 1024)
)
# Events older than this many days are deleted from every organisation's store by the daily
# maintenance task (empty: keep every event). docs/operations.md, "Event store compaction and
# retention".
CIVICLOOP_EVENT_RETENTION_DAYS = (
    int(os.environ["CIVICLOOP_EVENT_RETENTION_DAYS"])
    if os.environ.get("CIVICLOOP_EVENT_RETENTION_DAYS", "").strip()
    else None
)
# Whole UTC days older than this move from DuckDB into Parquet files (EventStore.compact).
CIVICLOOP_EVENT_COMPACT_AFTER_DAYS = int(os.environ.get("CIVICLOOP_EVENT_COMPACT_AFTER_DAYS", 7))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# Demo data loaders, run in order by `civicloop demo`; each takes and extends a shared dict.
DEMO_LOADERS = [
    "civicloop.portfolio.demo.load",
    "civicloop.market.demo.load",
    "civicloop.analytics.demo.load",
    "civicloop.experiments.demo.load",
    "civicloop.feedback.demo.load",
    "civicloop.evidence.demo.load",
    "civicloop.scaling.demo.load",
    "civicloop.portal.demo.load",
    "civicloop.participation.demo.load",
]

# Tasks the worker enqueues periodically: (every N seconds, task).
CIVICLOOP_SCHEDULE = [
    (60, "civicloop.analytics.tasks.events_flush"),
    (3600, "civicloop.experiments.tasks.running_experiments_refresh_task"),
    (3600, "civicloop.feedback.tasks.link_pending_feedback"),
    (6 * 3600, "civicloop.feedback.tasks.feed_satisfaction_kpis"),
    (24 * 3600, "civicloop.feedback.tasks.purge_expired_feedback"),
    (24 * 3600, "civicloop.core.tasks.purge_signin_logs"),
    (24 * 3600, "civicloop.analytics.store.maintenance.event_stores_maintain"),
    # required public answers to citizens' proposals past their due date (docs/participation.md)
    (3600, "civicloop.participation.tasks.mark_overdue_answers"),
    # Notifications (docs/notifications.md): the daily digest, deadline reminders (7 days and
    # 1 day before) and overdue obstacles; each notice goes once, however often these run.
    (24 * 3600, "civicloop.notifications.tasks.notification_digest_send"),
    (24 * 3600, "civicloop.notifications.tasks.deadline_reminders_send"),
    (24 * 3600, "civicloop.notifications.tasks.obstacles_overdue_send"),
]

# The address people reach this installation at: links in notification e-mails.
CIVICLOOP_BASE_URL = os.environ.get("CIVICLOOP_BASE_URL", "http://localhost:8000")
# Company self-registration (docs/market/vendors.md): attempts per client address per window.
CIVICLOOP_SIGNUP_RATE_LIMIT = int(os.environ.get("CIVICLOOP_SIGNUP_RATE_LIMIT", 5))
CIVICLOOP_SIGNUP_RATE_WINDOW = int(os.environ.get("CIVICLOOP_SIGNUP_RATE_WINDOW", 60))
# Outgoing webhooks (docs/notifications.md): attempts before a delivery is given up; https
# only and public addresses only, unless these are set (development, an agency's own network).
CIVICLOOP_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("CIVICLOOP_WEBHOOK_MAX_ATTEMPTS", 5))
CIVICLOOP_WEBHOOK_ALLOW_HTTP = os.environ.get("CIVICLOOP_WEBHOOK_ALLOW_HTTP", "") == "1"
CIVICLOOP_WEBHOOK_ALLOW_PRIVATE = os.environ.get("CIVICLOOP_WEBHOOK_ALLOW_PRIVATE", "") == "1"

# Analysis in a warehouse (docs/analytics/warehouse.md): the installation's default, which a unit
# admin may override per organisation. Empty: every experiment is analysed in the embedded store.
CIVICLOOP_WAREHOUSE_URL = os.environ.get("CIVICLOOP_WAREHOUSE_URL", "")
CIVICLOOP_WAREHOUSE_EVENTS_TABLE = os.environ.get("CIVICLOOP_WAREHOUSE_EVENTS_TABLE", "events")
# Hosts a unit may name as its own warehouse (Unit settings › Warehouse), comma-separated;
# "local" allows a local Spark session. Empty: units use the installation's warehouse only.
CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS = [
    h for h in os.environ.get("CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS", "").split(",") if h.strip()
]
