"""The market's data, one module per sub-domain (needs, challenges, vendors, proposals,
contracts); this package exports every model, so `civicloop.market.models` reads as one."""

from civicloop.market.models._common import CURRENCY_HELP
from civicloop.market.models.challenges import (
    PHASE_ORDER,
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    ChangeLogEntry,
    Criterion,
    Phase,
    PhaseKind,
    Question,
    RfiResponse,
)
from civicloop.market.models.contracts import (
    Contract,
    ContractStatus,
    Milestone,
    MilestoneStatus,
    Payment,
)
from civicloop.market.models.needs import Need, NeedStatus
from civicloop.market.models.proposals import (
    STANDSTILL_DAYS,
    Award,
    ConflictDeclaration,
    EvaluatorAssignment,
    Feedback,
    Proposal,
    ProposalFile,
    ProposalStatus,
    Score,
    SealedContent,
)
from civicloop.market.models.vendors import (
    Invitation,
    VendorProfile,
    VendorSubscription,
    VendorVerification,
)

__all__ = [
    "CURRENCY_HELP",
    "PHASE_ORDER",
    "PUBLIC_STATUSES",
    "STANDSTILL_DAYS",
    "Award",
    "Challenge",
    "ChallengeStatus",
    "ChangeLogEntry",
    "ConflictDeclaration",
    "Contract",
    "ContractStatus",
    "Criterion",
    "EvaluatorAssignment",
    "Feedback",
    "Invitation",
    "Milestone",
    "MilestoneStatus",
    "Need",
    "NeedStatus",
    "Payment",
    "Phase",
    "PhaseKind",
    "Proposal",
    "ProposalFile",
    "ProposalStatus",
    "Question",
    "RfiResponse",
    "Score",
    "SealedContent",
    "VendorProfile",
    "VendorSubscription",
    "VendorVerification",
]
