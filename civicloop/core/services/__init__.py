"""Every write to organisations, memberships, people and API keys, and a person's erasure, one
module per sub-domain: account, organizations, api_keys, audit_log, erasure and retention.

The names below are the app's public face: other apps import them from here.
"""

from civicloop.core.services.account import person_time_zone_set, unit_time_zone_set
from civicloop.core.services.api_keys import (
    API_KEY_PREFIX,
    CreatedApiKey,
    apikey_authenticate,
    apikey_create,
    apikey_revoke,
)
from civicloop.core.services.audit_log import audit_log_export_record
from civicloop.core.services.erasure import (
    KEPT,
    PSEUDONYMISED,
    REMOVED,
    RETENTION_REASON,
    ErasureLine,
    ErasureReport,
    person_erase,
    person_pseudonym,
)
from civicloop.core.services.organizations import (
    membership_add,
    organization_create,
    person_create,
    unit_weights_update,
)
from civicloop.core.services.retention import signin_logs_purge

__all__ = [
    "API_KEY_PREFIX",
    "KEPT",
    "PSEUDONYMISED",
    "REMOVED",
    "RETENTION_REASON",
    "CreatedApiKey",
    "ErasureLine",
    "ErasureReport",
    "apikey_authenticate",
    "audit_log_export_record",
    "apikey_create",
    "apikey_revoke",
    "membership_add",
    "organization_create",
    "person_create",
    "person_erase",
    "person_pseudonym",
    "person_time_zone_set",
    "signin_logs_purge",
    "unit_time_zone_set",
    "unit_weights_update",
]
