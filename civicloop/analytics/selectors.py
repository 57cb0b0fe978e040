"""Reads of the analytics app for views, the API and the experiments app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicloop.analytics.models import Metric
from civicloop.core.permissions import Ability, Principal


def metric_list(*, viewer: Principal, unit_id: int | None = None) -> QuerySet[Metric]:
    """Metrics of the units the viewer works in."""
    qs = Metric.objects.filter(unit_id__in=viewer.units_with(Ability.VIEW_PORTFOLIO))
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("numerator", "denominator").order_by("name")


def metric_get(*, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO) -> Metric:
    """One metric, or 404 outside the viewer's units."""
    metric = (
        Metric.objects.filter(pk=pk, unit_id__in=viewer.units_with(ability))
        .select_related("numerator", "denominator")
        .first()
    )
    if metric is None:
        raise Http404("Not found")
    return metric


def metric_for_unit(*, unit_id: int, pk: int) -> Metric | None:
    """A metric by id within one unit (for services that check it belongs there)."""
    return Metric.objects.filter(unit_id=unit_id, pk=pk).first()
