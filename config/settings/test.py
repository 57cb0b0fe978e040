"""Test settings: SQLite in memory unless DATABASE_URL points at PostgreSQL."""

import atexit
import os
import shutil
import tempfile

from config.settings.base import *  # noqa: F403
from config.settings.base import database_config, dev_field_keys, dev_sealing_keys

DEBUG = False
DATABASES = {"default": database_config(os.environ.get("DATABASE_URL", "sqlite://:memory:"))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only, tests
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Tests sign people in with force_login; the MFA enrolment tests (civicloop/security_tests/
# test_mfa.py) turn the base default back on, and one asserts that default.
CIVICLOOP_MFA_REQUIRED_ROLES = []
CIVICLOOP_SEALING_KEYS = CIVICLOOP_SEALING_KEYS or dev_sealing_keys()  # noqa: F405
CIVICLOOP_FIELD_KEYS = CIVICLOOP_FIELD_KEYS or dev_field_keys()  # noqa: F405
LANGUAGE_CODE = "en"
# Mail stays in django.core.mail.outbox, whatever EMAIL_URL the environment holds.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# One event store per test process (each xdist worker, each concurrent run): DuckDB lets one
# process hold a store, so a shared var/events made tests that refresh results without their own
# store fail when another process had it open. Removed when the process exits.
_EVENTS_DIR = tempfile.mkdtemp(prefix="civicloop-test-events-")
atexit.register(shutil.rmtree, _EVENTS_DIR, True)
CIVICLOOP = {**CIVICLOOP, "EVENT_STORE_DIR": _EVENTS_DIR}  # noqa: F405

# Each test process its own memory cache: rate-limit counters never outlive a test run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
