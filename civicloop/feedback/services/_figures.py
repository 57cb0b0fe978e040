"""What the writes of this app tell the stored figures (ADR 0019): a survey's inputs changed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from civicloop.core.aggregates import aggregate_invalidate, aggregate_invalidate_prefix
from civicloop.core.models import Aggregate
from civicloop.feedback.models import Survey
from civicloop.feedback.selectors.dashboard_store import ITERATION_KIND, SERVICE_KIND, scope_covers
from civicloop.feedback.selectors.summary import SURVEY_KIND, WEEKLY_KIND


def survey_figures_invalidate(survey_ids: Iterable[int]) -> None:
    """Call inside the write's transaction; one recompute per survey is enqueued after commit."""
    ids = sorted(set(survey_ids))
    for pk in ids:
        aggregate_invalidate(SURVEY_KIND, pk)
        aggregate_invalidate_prefix(WEEKLY_KIND, f"{pk}@")
    dashboards_invalidate(Survey.objects.filter(pk__in=ids))


def dashboards_invalidate(surveys: QuerySet[Survey]) -> None:
    """Service dashboards and iteration panels stored for a scope that reads these surveys
    (one row per scope and service or iteration that someone has viewed: a few)."""
    owners = set(surveys.values_list("unit_id", "agency_id"))
    rows = Aggregate.objects.filter(kind__in=[SERVICE_KIND, ITERATION_KIND])
    for kind, key in rows.values_list("kind", "key"):
        scope = key.partition("|")[0]
        if any(scope_covers(scope, unit_id=u, agency_id=a) for u, a in owners):
            aggregate_invalidate(kind, key)
