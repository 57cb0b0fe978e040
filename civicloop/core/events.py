"""Typed names of the audit events the core records."""

from enum import StrEnum


class CoreEvent(StrEnum):
    ORGANIZATION_CREATED = "core.organization_created"
    MEMBERSHIP_ADDED = "core.membership_added"
    MEMBERSHIP_REMOVED = "core.membership_removed"
    API_KEY_CREATED = "core.api_key_created"
    API_KEY_REVOKED = "core.api_key_revoked"
    PERSON_ERASED = "core.person_erased"
    PERSONAL_DATA_EXPORTED = "core.personal_data_exported"
    SIGNIN_LOGS_PURGED = "core.signin_logs_purged"
    SETTINGS_CHANGED = "core.settings_changed"
    AUDIT_LOG_EXPORTED = "core.audit_log_exported"
