"""Production: PostgreSQL via DATABASE_URL, HTTPS only, secrets from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool, env_list
from config.settings.logs import logging_config

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
CIVICLOOP_SEALING_KEYS = env_list("CIVICLOOP_SEALING_KEYS", "")
if not CIVICLOOP_SEALING_KEYS:
    raise ImproperlyConfigured(
        "CIVICLOOP_SEALING_KEYS is not set. Sealed proposals are encrypted with their own keys, "
        "not SECRET_KEY: generate one with `civicloop keys generate`, store it with your other "
        "secrets and set CIVICLOOP_SEALING_KEYS=<key> (comma-separated when rotating, the new "
        "key first). See docs/operations.md, 'Sealing keys'."
    )
CIVICLOOP_FIELD_KEYS = env_list("CIVICLOOP_FIELD_KEYS", "")
if not CIVICLOOP_FIELD_KEYS:
    raise ImproperlyConfigured(
        "CIVICLOOP_FIELD_KEYS is not set. Webhook signing secrets are encrypted in the database "
        "with their own keys: generate one with `civicloop field-keys generate`, store it with "
        "your other secrets and set CIVICLOOP_FIELD_KEYS=<key> (comma-separated when rotating, "
        "the new key first). See docs/operations.md, 'Field encryption keys'."
    )
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers and orchestrators probe over plain HTTP; these answer no personal data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# Nobody is exempt from CIVICLOOP_MFA_REQUIRED_ROLES in production, whatever else is configured.
CIVICLOOP_MFA_EXEMPT_EMAILS = []

# One JSON object per log line (time, level, logger, message, request_id, organization, ...).
CIVICLOOP_LOG_FORMAT = os.environ.get("CIVICLOOP_LOG_FORMAT", "json")
LOGGING = logging_config(CIVICLOOP_LOG_FORMAT)
