"""Local development and `make run`: the embedded SQLite database, debug pages on."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import dev_field_keys, dev_sealing_keys, env_bool

DEBUG = env_bool("DEBUG", True)

# The demo accounts (`civicloop demo`) sign in with a password alone; production empties this.
CIVICLOOP_MFA_EXEMPT_EMAILS = ["*@demo.civicloop.test"]
CIVICLOOP_SEALING_KEYS = CIVICLOOP_SEALING_KEYS or dev_sealing_keys()  # noqa: F405
CIVICLOOP_FIELD_KEYS = CIVICLOOP_FIELD_KEYS or dev_field_keys()  # noqa: F405
# Mail is printed to the console unless an SMTP server is configured.
if not os.environ.get("EMAIL_URL"):
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
