"""Every write of citizen participation: one atomic, audited function per use case.

Citizens' services ask `require_person` and then `verified_citizen` (a citizen profile and a
verified e-mail address); staff services ask `require(actor, EDIT_PORTFOLIO, …)` in the
proposal's unit, so moderation and triage are unit staff's, scoped to their unit.
"""

from civicloop.participation.services._common import (
    NotACitizen,
    RateLimited,
    email_verified,
    verified_citizen,
)
from civicloop.participation.services.citizens import (
    citizen_register,
    display_name_check,
    email_taken,
)
from civicloop.participation.services.comments import comment_appeal, comment_submit
from civicloop.participation.services.erasure import citizen_erase
from civicloop.participation.services.moderation import (
    comment_moderate,
    proposal_moderate,
    support_review,
)
from civicloop.participation.services.proposals import follow_set, proposal_appeal, proposal_submit
from civicloop.participation.services.supports import (
    support_add,
    support_count,
    support_withdraw,
)
from civicloop.participation.services.triage import (
    answers_mark_overdue,
    participation_settings_update,
    proposal_answer,
    proposal_triage,
)

__all__ = [
    "NotACitizen",
    "RateLimited",
    "answers_mark_overdue",
    "citizen_erase",
    "citizen_register",
    "comment_appeal",
    "comment_moderate",
    "comment_submit",
    "display_name_check",
    "email_taken",
    "email_verified",
    "follow_set",
    "participation_settings_update",
    "proposal_answer",
    "proposal_appeal",
    "proposal_moderate",
    "proposal_submit",
    "proposal_triage",
    "support_add",
    "support_count",
    "support_review",
    "support_withdraw",
    "verified_citizen",
]
