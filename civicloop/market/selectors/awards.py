"""Awards: those of a challenge, each phase's awards against its budget, the public list of
winners, and one award the viewer's unit may turn into a contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils import formats

from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import Award, Challenge, ChallengeStatus, Phase, PhaseKind
from civicloop.market.selectors._common import label_of


def money(amount: Decimal, currency: str) -> str:
    """An amount with its currency, grouped and with two decimals in the active language."""
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


@dataclass(frozen=True)
class PhaseAwards:
    """What a phase has awarded against its budget and number of awards."""

    phase: Phase
    count: int
    total: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.phase.budget - self.total

    @property
    def closed(self) -> bool:
        return self.phase.closed_at is not None

    @property
    def settled(self) -> bool:
        """No more awards are due: all made, or the phase was closed."""
        return self.closed or self.count >= self.phase.awards_count


def phase_awards(phase: Phase) -> PhaseAwards:
    """The awards of one phase (the caller fetched the phase through a scoped read)."""
    agg = Award.objects.filter(proposal__phase=phase).aggregate(n=Count("pk"), total=Sum("amount"))
    return PhaseAwards(phase, agg["n"] or 0, agg["total"] or Decimal(0))


def phase_award_list(*, viewer: Principal, challenge: Challenge) -> list[PhaseAwards]:
    """Each phase of a challenge of the viewer's units, in order, with what it has awarded."""
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        return []
    phases = sorted(Phase.objects.filter(challenge=challenge), key=lambda p: p.order)
    return [phase_awards(p) for p in phases]


def award_list(*, viewer: Principal, challenge: Challenge) -> list[Award]:
    """The awards of a challenge of the viewer's units (none for anyone else)."""
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        return []
    return list(
        Award.objects.filter(challenge=challenge).select_related("proposal", "proposal__phase")
    )


@dataclass(frozen=True)
class PublicAward:
    pk: int
    vendor_name: str
    phase: str
    amount: Decimal
    currency: str
    rationale: str
    decided_at: datetime
    standstill_ends: date

    @property
    def phase_label(self) -> str:
        return label_of(PhaseKind, self.phase)


def award_list_public(*, challenge: Challenge) -> list[PublicAward]:
    """The winners of an awarded challenge: vendor, phase, amount and rationale (public once
    the challenge is awarded; anonymous evaluation ends at the award). Empty before."""
    if challenge.status != ChallengeStatus.AWARDED:
        return []
    awards = Award.objects.filter(challenge=challenge).select_related(
        "proposal__vendor", "proposal__phase"
    )
    return [
        PublicAward(
            pk=a.pk,
            vendor_name=a.proposal.vendor.name,
            phase=a.proposal.phase.kind,
            amount=a.amount,
            currency=a.currency,
            rationale=a.rationale,
            decided_at=a.decided_at,
            standstill_ends=a.standstill_ends,
        )
        for a in awards
    ]


def award_get_managed(*, viewer: Principal, pk: int) -> Award:
    """An award of a challenge the viewer's unit manages; 404 for anyone else."""
    award = (
        Award.objects.select_related("challenge", "proposal")
        .filter(pk=pk, challenge__unit_id__in=sorted(viewer.units_with(Ability.MANAGE_MARKET)))
        .first()
    )
    if award is None:
        raise Http404("Not found")
    return award


def award_list_published() -> QuerySet[Award]:
    """Awards of awarded challenges, newest first, for everyone: the winner (a company), the
    amount, the phase and the rationale. Nothing of the proposal's content or its people. A
    challenge's awards become public with the challenge's award (as `award_list_public`), so
    that evaluation of a later phase stays anonymous."""
    return (
        Award.objects.filter(challenge__status=ChallengeStatus.AWARDED)
        .select_related("challenge", "challenge__unit", "proposal__vendor", "proposal__phase")
        .order_by("-decided_at", "-pk")
    )


def award_get_public(*, pk: int) -> Award:
    """One award of a published challenge (404 otherwise)."""
    award = award_list_published().filter(pk=pk).first()
    if award is None:
        raise Http404("Not found")
    return award
