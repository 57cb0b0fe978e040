"""Reads of decisions."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from civicloop.core.permissions import Ability, Principal
from civicloop.experiments.models import (
    Decision,
    Iteration,
    ResultSnapshot,
)


def decision_for(*, iteration: Iteration) -> Decision | None:
    return Decision.objects.filter(iteration=iteration).prefetch_related("cited_results").first()


def decision_list_managed(*, viewer: Principal) -> QuerySet[Decision]:
    """Decisions on iterations of the units where the viewer runs experiments, newest first,
    with the iteration, its service and the cited results (and their experiments) loaded: what
    the public "you said, we did" summary is drafted from."""
    units = sorted(viewer.units_with(Ability.MANAGE_EXPERIMENTS))
    return (
        Decision.objects.filter(iteration__service__unit_id__in=units)
        .select_related("iteration", "iteration__service", "iteration__service__unit")
        .prefetch_related(
            Prefetch(
                "cited_results",
                queryset=ResultSnapshot.objects.select_related("experiment").order_by("pk"),
            )
        )
        .order_by("-decided_at", "-pk")
    )
