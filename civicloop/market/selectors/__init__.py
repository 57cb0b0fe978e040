"""Every read of the market. Proposal content is sealed: before the deadline nothing but the
vendor who wrote it can decrypt it, and every other read after the deadline is audited (the
opening is a service: `services.proposal_content_open`, `services.proposal_file_open`).

One module per sub-domain (the same names as in `services`, `api` and `views`); this package
re-exports the public names, so `from civicloop.market import selectors` keeps working.
"""

from civicloop.market.selectors._common import (
    COUNTED_STATUSES,
    SealedError,
    deadline_passed,
    download_name,
    identity_visible,
)
from civicloop.market.selectors.attachments import own_proposal_file
from civicloop.market.selectors.awards import award_get_managed, award_list
from civicloop.market.selectors.challenges import (
    challenge_change_log,
    challenge_get,
    challenge_get_public,
    challenge_list,
    challenge_list_public,
    challenge_republished_as,
    proposal_count,
)
from civicloop.market.selectors.consultation import (
    question_get_managed,
    question_list_public,
    question_list_unanswered,
)
from civicloop.market.selectors.contracts import (
    ContractLedger,
    MilestoneLine,
    contract_get,
    contract_get_managed,
    contract_ledger,
    contract_list,
    contracts_by_award,
    milestone_get_managed,
)
from civicloop.market.selectors.evaluation import (
    DIVERGENCE_SHARE,
    Divergence,
    RankingRow,
    moderation,
    my_declaration,
    my_scores,
    ranking,
    weighted_score,
)
from civicloop.market.selectors.metrics import programme_metrics
from civicloop.market.selectors.needs import (
    SimilarNeeds,
    need_agencies,
    need_list,
    need_similar_pairs,
)
from civicloop.market.selectors.phases import criteria_of, phases_of, rubric_for
from civicloop.market.selectors.proposals import (
    CancellationNotice,
    ProposalView,
    cancellation_notice,
    proposal_can_change,
    proposal_get,
    proposal_list,
    proposal_list_submitted_by,
    proposal_view,
)
from civicloop.market.selectors.vendors import (
    ChallengeMatch,
    VendorMatch,
    awaiting_confirmation,
    challenge_matches,
    challenge_subscribers,
    vendor_get,
    vendor_invitations,
    vendor_list,
    vendor_matches,
    vendor_profile_of,
    vendor_subscription_of,
)

__all__ = [
    "COUNTED_STATUSES",
    "DIVERGENCE_SHARE",
    "CancellationNotice",
    "ChallengeMatch",
    "ContractLedger",
    "Divergence",
    "MilestoneLine",
    "ProposalView",
    "RankingRow",
    "SealedError",
    "SimilarNeeds",
    "VendorMatch",
    "award_get_managed",
    "award_list",
    "cancellation_notice",
    "challenge_change_log",
    "challenge_get",
    "challenge_get_public",
    "challenge_list",
    "challenge_list_public",
    "challenge_matches",
    "challenge_republished_as",
    "contract_get",
    "contract_get_managed",
    "contract_ledger",
    "contract_list",
    "contracts_by_award",
    "criteria_of",
    "deadline_passed",
    "download_name",
    "identity_visible",
    "milestone_get_managed",
    "moderation",
    "my_declaration",
    "my_scores",
    "need_agencies",
    "need_list",
    "need_similar_pairs",
    "own_proposal_file",
    "phases_of",
    "programme_metrics",
    "proposal_can_change",
    "proposal_count",
    "proposal_get",
    "proposal_list",
    "proposal_list_submitted_by",
    "proposal_view",
    "question_get_managed",
    "question_list_public",
    "question_list_unanswered",
    "ranking",
    "rubric_for",
    "vendor_get",
    "vendor_invitations",
    "vendor_list",
    "vendor_matches",
    "vendor_profile_of",
    "awaiting_confirmation",
    "vendor_subscription_of",
    "challenge_subscribers",
    "weighted_score",
]
