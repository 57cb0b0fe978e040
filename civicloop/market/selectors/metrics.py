"""Programme metrics: the facts of the viewer's units, handed to the pure `metrics` module."""

from __future__ import annotations

from django.db.models import Count, Min, Q

from civicloop.core.permissions import Ability, Principal
from civicloop.market.metrics import (
    SME_SIZES,
    STARTUP_MAX_AGE_YEARS,
    AwardFact,
    ProgrammeMetrics,
    compute_metrics,
)
from civicloop.market.models import Award, Challenge, ChallengeStatus, Contract, Need
from civicloop.market.selectors._common import COUNTED_STATUSES


def programme_metrics(*, viewer: Principal) -> ProgrammeMetrics:
    """The metrics over the challenges, awards and contracts of the viewer's units."""
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    closed = (
        Challenge.objects.filter(
            unit_id__in=units, status__in=[ChallengeStatus.EVALUATION, ChallengeStatus.AWARDED]
        )
        .annotate(bids=Count("proposals", filter=Q(proposals__status__in=COUNTED_STATUSES)))
        .order_by("pk")
    )
    bids = {f"{c.pk}: {c.title}": c.bids for c in closed}
    facts = []
    seen: set[int] = set()
    # First-time supplier: no earlier award anywhere in CivicLoop (all units), by decision time.
    for award in Award.objects.select_related(
        "proposal__vendor__vendor_profile", "challenge"
    ).order_by("decided_at", "pk"):
        vendor = award.proposal.vendor
        first = vendor.pk not in seen
        seen.add(vendor.pk)
        if award.challenge.unit_id not in units:
            continue
        profile = getattr(vendor, "vendor_profile", None)
        startup = (
            profile is not None
            and (award.decided_at.year - profile.founding_year) < STARTUP_MAX_AGE_YEARS
        )
        facts.append(
            AwardFact(
                vendor.pk, vendor.name, award.amount, vendor.sme_size in SME_SIZES, startup, first
            )
        )
    first_need = dict(
        Need.objects.filter(challenge__isnull=False, unit_id__in=units)
        .values("challenge_id")
        .annotate(first=Min("created_at"))
        .values_list("challenge_id", "first")
    )
    lead_times = []
    for contract in Contract.objects.filter(award__challenge__unit_id__in=units).select_related(
        "award"
    ):
        start = first_need.get(contract.award.challenge_id)
        if start is not None:
            lead_times.append((contract.signed_on - start.date()).days)
    return compute_metrics(bids=bids, awards=facts, lead_times=lead_times)
