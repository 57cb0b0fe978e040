"""What the market's selectors (and the services that open sealed content) share: who may know
of a proposal, whether its seal has lifted, and how its vendor is shown."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.core.models import Role
from civicloop.core.permissions import Ability, Principal
from civicloop.core.timezones import format_datetime
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    ConflictDeclaration,
    EvaluatorAssignment,
    Proposal,
    ProposalFile,
    ProposalStatus,
)

COUNTED_STATUSES = [ProposalStatus.SUBMITTED, ProposalStatus.AWARDED, ProposalStatus.UNSUCCESSFUL]


def label_of(choices: type[models.TextChoices], code: str) -> str:
    """The translated label of a stored code (the code itself if it is not a known choice)."""
    return str(choices(code).label) if code in choices.values else code


def deadline_passed(challenge: Challenge, now: datetime | None = None) -> bool:
    """Whether the seal has lifted: the latest deadline ever published has passed and the call
    was not cancelled before it (then its bids stay sealed for good). ADR 0007."""
    return challenge.seal_lifted(now or timezone.now())


def conflicted_ids(viewer: Principal) -> set[int]:
    if viewer.person is None:
        return set()
    return set(
        ConflictDeclaration.objects.filter(evaluator=viewer.person, has_conflict=True).values_list(
            "proposal_id", flat=True
        )
    )


def assignment_bound_units(viewer: Principal) -> set[int]:
    """Units in which the viewer only evaluates: neither runs the market (unit staff, the unit's
    API keys) nor audits it. There a challenge with assigned evaluators shows its proposals to
    the evaluators assigned only (ADR 0017)."""
    if viewer.person is None:
        return set()
    return (
        viewer.units_with(Ability.EVALUATE_PROPOSALS)
        - viewer.units_with(Ability.MANAGE_MARKET)
        - viewer.organizations([Role.AUDITOR])
    )


def _not_assigned_q(viewer: Principal, bound: list[int]) -> Q:
    """Proposals of an assignment-bound unit's challenge that has assignments, none of which
    is the viewer's for the whole challenge or for that proposal."""
    any_assignment = EvaluatorAssignment.objects.filter(challenge_id=OuterRef("challenge_id"))
    mine = any_assignment.filter(evaluator=viewer.person).filter(
        Q(proposal__isnull=True) | Q(proposal_id=OuterRef("pk"))
    )
    return Q(challenge__unit_id__in=bound) & Q(Exists(any_assignment)) & ~Q(Exists(mine))


def visible_proposals(viewer: Principal) -> QuerySet[Proposal]:
    """The vendor's own proposals and those of the viewer's units, minus declared conflicts and,
    for an evaluator, minus the proposals of challenges whose evaluators the unit assigned
    when they are not among them (ADR 0017)."""
    own = sorted(viewer.organizations([Role.VENDOR]))
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    rows = Proposal.objects.filter(Q(vendor_id__in=own) | Q(challenge__unit_id__in=units)).exclude(
        pk__in=conflicted_ids(viewer)
    )
    bound = sorted(assignment_bound_units(viewer))
    if bound:
        rows = rows.exclude(_not_assigned_q(viewer, bound) & ~Q(vendor_id__in=own))
    return rows


def check_assigned(viewer: Principal, proposal: Proposal) -> None:
    """404 for an evaluator the unit did not assign to this proposal (when it assigns any)."""
    if not visible_proposals(viewer).filter(pk=proposal.pk).exists():
        raise Http404("Not found")


def is_own_proposal(viewer: Principal, proposal: Proposal) -> bool:
    return proposal.vendor_id in viewer.organizations([Role.VENDOR])


def identity_visible(viewer: Principal, proposal: Proposal) -> bool:
    """In anonymous evaluation only the vendor itself sees who wrote a proposal, until award."""
    if is_own_proposal(viewer, proposal):
        return True
    challenge = proposal.challenge
    return not challenge.anonymous_evaluation or challenge.status == ChallengeStatus.AWARDED


def download_name(viewer: Principal, f: ProposalFile, proposal: Proposal) -> str:
    """Server-made name: the original only when the viewer may see the vendor's identity."""
    if identity_visible(viewer, proposal):
        stem = "".join(c for c in f.original_name.rsplit(".", 1)[0] if c.isalnum() or c in "-_")
        return f"{stem[:60] or 'attachment'}.{f.extension}"
    return f"{proposal.code}-attachment-{f.pk}.{f.extension}"


class SealedError(ValidationError):
    """Content asked for before the deadline."""


def check_seal_lifted(challenge: Challenge) -> None:
    """Raise `SealedError` while the proposals of `challenge` stay sealed (to anyone but their
    own vendor): before the deadline, and for good once cancelled before it."""
    if challenge.voided_by_cancellation:
        raise SealedError(
            {
                "proposal": gettext(
                    "The call was cancelled before its deadline: its proposals are void and are "
                    "never opened."
                )
            }
        )
    if not deadline_passed(challenge):
        lifts = challenge.seal_lifts_at
        raise SealedError(
            {
                "proposal": (
                    gettext("Proposals are sealed until the submission deadline (%(when)s).")
                    % {"when": format_datetime(lifts)}
                    if lifts
                    else gettext("Proposals are sealed until the submission deadline.")
                )
            }
        )


class DeclarationNeeded(SealedError):
    """An evaluator asked for a proposal's content before declaring on conflicts of interest."""


def check_declared(viewer: Principal, proposal: Proposal) -> None:
    """An evaluator declares whether they have a conflict of interest with a proposal before it
    opens for them (issue 15): raise `DeclarationNeeded` until they have. Unit staff, who run the
    call and may check bids for compliance, open them audited and declare before scoring (as
    every scorer must); auditors never score; API keys cannot declare and cannot score."""
    unit = proposal.challenge.unit_id
    if (
        viewer.person is None
        or unit not in viewer.units_with(Ability.EVALUATE_PROPOSALS)
        or unit in viewer.units_with(Ability.MANAGE_MARKET)
    ):
        return
    if not ConflictDeclaration.objects.filter(proposal=proposal, evaluator=viewer.person).exists():
        raise DeclarationNeeded(
            {
                "declaration": gettext(
                    "Declare whether you have a conflict of interest with this proposal "
                    "before it opens for you."
                )
            }
        )
