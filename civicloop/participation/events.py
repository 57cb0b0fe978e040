"""Typed names of the audit events of citizen participation.

`PROPOSAL_STATUS_CHANGED` is written once for every change of a proposal's status, with the
proposal id, the status before and after and (once triaged) the portfolio problem id in its
metadata: notifications read these events (docs/participation.md).
"""

from enum import StrEnum


class ParticipationEvent(StrEnum):
    CITIZEN_REGISTERED = "participation.citizen_registered"
    PROPOSAL_SUBMITTED = "participation.proposal_submitted"
    PROPOSAL_STATUS_CHANGED = "participation.proposal_status_changed"
    PROPOSAL_APPEALED = "participation.proposal_appealed"
    PROPOSAL_ANSWERED = "participation.proposal_answered"
    PROPOSAL_THRESHOLD_REACHED = "participation.proposal_threshold_reached"
    PROPOSAL_ANSWER_OVERDUE = "participation.proposal_answer_overdue"
    COMMENT_SUBMITTED = "participation.comment_submitted"
    COMMENT_MODERATED = "participation.comment_moderated"
    COMMENT_APPEALED = "participation.comment_appealed"
    SUPPORT_ADDED = "participation.support_added"
    SUPPORT_WITHDRAWN = "participation.support_withdrawn"
    SUPPORTS_HELD = "participation.supports_held"
    SUPPORT_REVIEWED = "participation.support_reviewed"
    FOLLOW_CHANGED = "participation.follow_changed"
    SETTINGS_UPDATED = "participation.settings_updated"
