"""Typed names of the audit events of people management."""

from enum import StrEnum


class PeopleEvent(StrEnum):
    INVITATION_CREATED = "people.invitation_created"
    INVITATION_RESENT = "people.invitation_resent"
    INVITATION_REVOKED = "people.invitation_revoked"
    INVITATION_ACCEPTED = "people.invitation_accepted"
    ROLE_CHANGED = "people.role_changed"
    ROLE_REMOVED = "people.role_removed"
    PERSON_DEACTIVATED = "people.person_deactivated"
    PERSON_REACTIVATED = "people.person_reactivated"
