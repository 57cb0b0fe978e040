"""Every write of the market: one atomic function per use case, each an audit event.

One module per sub-domain (the same names as in `selectors`, `api` and `views`); this package
re-exports the public names, so `from civicloop.market import services` keeps working.
"""

from civicloop.market.selectors._common import SealedError
from civicloop.market.selectors.phases import rubric_for
from civicloop.market.services._common import (
    ALLOWED_TAGS,
    EDITABLE_FIELDS,
    MIN_JUSTIFICATION,
    RICH_TEXT_FIELDS,
    sanitise_html,
)
from civicloop.market.services.assignments import (
    CLOSED_STATUSES as ASSIGNMENT_CLOSED_STATUSES,
)
from civicloop.market.services.assignments import evaluator_assign, evaluator_unassign
from civicloop.market.services.attachments import (
    attachment_limits,
    format_mb,
    proposal_file_add,
    proposal_file_open,
    proposal_file_remove,
)
from civicloop.market.services.awards import award_decide, feedback_send, phase_close
from civicloop.market.services.challenges import (
    ALLOWED_MOVES,
    challenge_create,
    challenge_move,
    challenge_republish,
    challenge_update,
    next_statuses,
)
from civicloop.market.services.consultation import (
    question_answer,
    question_ask,
    rfi_export,
    rfi_respond,
)
from civicloop.market.services.contracts import (
    contract_sign,
    milestone_add,
    milestone_update,
    payment_record,
)
from civicloop.market.services.evaluation import conflict_declare, ranking_export, score_record
from civicloop.market.services.needs import need_submit, needs_merge
from civicloop.market.services.phases import CriterionSpec, criteria_set, phase_set
from civicloop.market.services.proposals import proposal_content_open, proposal_submit
from civicloop.market.services.signup import (
    AddressTaken,
    CompanyNameTaken,
    CompanySignUp,
    company_name_claim_record,
    company_sign_up,
)
from civicloop.market.services.vendors import (
    MAX_VERIFICATION_NOTE,
    vendor_invite,
    vendor_register,
    vendor_subscribe,
    vendor_verify,
)

__all__ = [
    "ALLOWED_MOVES",
    "ALLOWED_TAGS",
    "ASSIGNMENT_CLOSED_STATUSES",
    "EDITABLE_FIELDS",
    "MAX_VERIFICATION_NOTE",
    "MIN_JUSTIFICATION",
    "RICH_TEXT_FIELDS",
    "CriterionSpec",
    "SealedError",
    "attachment_limits",
    "award_decide",
    "phase_close",
    "rfi_export",
    "next_statuses",
    "challenge_create",
    "challenge_move",
    "challenge_republish",
    "challenge_update",
    "conflict_declare",
    "contract_sign",
    "criteria_set",
    "evaluator_assign",
    "evaluator_unassign",
    "feedback_send",
    "format_mb",
    "milestone_add",
    "milestone_update",
    "need_submit",
    "needs_merge",
    "payment_record",
    "phase_set",
    "proposal_content_open",
    "proposal_file_add",
    "proposal_file_open",
    "proposal_file_remove",
    "proposal_submit",
    "question_answer",
    "question_ask",
    "ranking_export",
    "rfi_respond",
    "rubric_for",
    "sanitise_html",
    "score_record",
    "vendor_invite",
    "vendor_register",
    "vendor_subscribe",
    "company_sign_up",
    "company_name_claim_record",
    "CompanyNameTaken",
    "CompanySignUp",
    "AddressTaken",
    "vendor_verify",
]
