"""Awards: those of a challenge, and one award the viewer's unit may turn into a contract."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import PUBLIC_STATUSES, Award, Challenge


def award_list(*, viewer: Principal, challenge: Challenge) -> list[Award]:
    """The awards of a challenge of the viewer's units (none for anyone else)."""
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        return []
    return list(Award.objects.filter(challenge=challenge).select_related("proposal"))


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


def award_list_public() -> QuerySet[Award]:
    """Awards of published challenges, newest first, for everyone: the winner (a company), the
    amount, the phase and the rationale. Nothing of the proposal's content or its people."""
    return (
        Award.objects.filter(challenge__status__in=PUBLIC_STATUSES)
        .select_related("challenge", "challenge__unit", "proposal__vendor", "proposal__phase")
        .order_by("-decided_at", "-pk")
    )


def award_get_public(*, pk: int) -> Award:
    """One award of a published challenge (404 otherwise)."""
    award = award_list_public().filter(pk=pk).first()
    if award is None:
        raise Http404("Not found")
    return award
