"""System reads for notifications: who is told what about a market event (no viewer).

Called by the notifications app's rules and tasks (SYSTEM work), never by a page: each answers
ids and the facts the notice states, for events the market itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from civicloop.core.models import Membership, OrganizationKind, Role
from civicloop.market.models import (
    Award,
    Challenge,
    Invitation,
    Phase,
    Proposal,
    ProposalStatus,
    Question,
)


def company_people(company_ids: list[int]) -> list[int]:
    """Active people acting for these companies (ids), in a stable order."""
    return list(
        Membership.objects.filter(
            organization_id__in=company_ids,
            organization__kind=OrganizationKind.COMPANY,
            role=Role.VENDOR,
            person__is_active=True,
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )


def challenge_facts(challenge_id: int) -> Challenge | None:
    return Challenge.objects.filter(pk=challenge_id).first()


def question_asker(question_id: int) -> Question | None:
    return Question.objects.select_related("challenge").filter(pk=question_id).first()


def proposal_facts(proposal_id: int) -> Proposal | None:
    return (
        Proposal.objects.select_related("challenge", "phase", "sealed")
        .filter(pk=proposal_id)
        .first()
    )


@dataclass(frozen=True)
class AwardOutcome:
    award: Award
    winner_company_id: int
    unsuccessful_company_ids: list[int]


def award_outcome(award_id: int) -> AwardOutcome | None:
    """The winner of an award and the companies whose proposals in its phase were not awarded."""
    award = Award.objects.select_related("proposal", "challenge").filter(pk=award_id).first()
    if award is None:
        return None
    others = (
        Proposal.objects.filter(phase_id=award.proposal.phase_id)
        .exclude(status__in=[ProposalStatus.AWARDED, ProposalStatus.WITHDRAWN])
        .exclude(vendor_id=award.proposal.vendor_id)
        .order_by("vendor_id")
        .values_list("vendor_id", flat=True)
    )
    return AwardOutcome(award, award.proposal.vendor_id, list(others))


def challenges_due_between(start: datetime, end: datetime) -> list[Challenge]:
    """Open challenges whose submission deadline falls in [start, end)."""
    return list(
        Challenge.objects.filter(
            status="open", submission_deadline__gte=start, submission_deadline__lt=end
        ).order_by("pk")
    )


def companies_preparing(challenge: Challenge, subscriber_ids: list[int]) -> list[int]:
    """Companies with work in progress on a challenge and no proposal in yet.

    "In progress": invited to it, asked a question on it, or subscribed to challenges that match
    it (`subscriber_ids`); proposals are sealed on submission, so there is no stored draft.
    """
    invited = Invitation.objects.filter(challenge=challenge).values_list("vendor_id", flat=True)
    asked = Question.objects.filter(challenge=challenge).values_list("asked_by_org_id", flat=True)
    candidates = set(invited) | set(asked) | set(subscriber_ids)
    return sorted(candidates - set(companies_submitted(challenge)))


def companies_submitted(challenge: Challenge) -> list[int]:
    """Companies with a proposal in (submitted or awarded) on a challenge."""
    return sorted(
        Proposal.objects.filter(challenge=challenge)
        .filter(Q(status=ProposalStatus.SUBMITTED) | Q(status=ProposalStatus.AWARDED))
        .values_list("vendor_id", flat=True)
        .distinct()
    )


def phase_challenge_id(phase_id: int) -> int | None:
    """The challenge a phase belongs to."""
    return Phase.objects.filter(pk=phase_id).values_list("challenge_id", flat=True).first()
