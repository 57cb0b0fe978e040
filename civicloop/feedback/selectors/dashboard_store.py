"""The service dashboard and an iteration's feedback panel computed once (ADR 0019).

Both cross surveys and depend on which surveys the viewer may read, so they are stored per
*scope*: the units and agencies in which the viewer holds `VIEW_FEEDBACK` (every member of a
unit shares one). The key is "<scope>|<service key>" or "<scope>|<iteration id>", the scope
"u<unit ids>;a<agency ids>"; `_scope_surveys` rebuilds from it exactly the surveys
`visible_surveys` gives the viewer. The payload is computed by the same selectors the pages
called on each view (`service_dashboard_in`, `iteration_feedback_in`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from civicloop.core.aggregates import Stored, aggregate_read
from civicloop.core.permissions import Ability, Principal
from civicloop.experiments.models import Iteration
from civicloop.feedback import scoring
from civicloop.feedback.models import Question, Response, Survey, Theme
from civicloop.feedback.selectors.dashboard import (
    FeedbackSummary,
    ServiceDashboard,
    iteration_feedback_in,
    service_dashboard_in,
)
from civicloop.feedback.selectors.scores import score_label
from civicloop.feedback.selectors.surveys import visible_surveys
from civicloop.feedback.selectors.themes import ThemeSummary

SERVICE_KIND = "feedback.service"
ITERATION_KIND = "feedback.iteration"
KEY_MAX = 100  # core.Aggregate.key; a longer key is computed on each view, as before


def scope_key(viewer: Principal) -> str:
    units = sorted(viewer.units_with(Ability.VIEW_FEEDBACK))
    agencies = sorted(viewer.agencies_with(Ability.VIEW_FEEDBACK))
    return f"u{','.join(map(str, units))};a{','.join(map(str, agencies))}"


def _scope_ids(scope: str) -> tuple[list[int], list[int]]:
    units, _, agencies = scope[1:].partition(";a")
    return [int(x) for x in units.split(",") if x], [int(x) for x in agencies.split(",") if x]


def _scope_surveys(scope: str) -> QuerySet[Survey]:
    """The surveys `visible_surveys` gives a viewer of this scope (same filter as `scope_q`)."""
    units, agencies = _scope_ids(scope)
    condition = Q(unit_id__in=units)
    if agencies:
        condition |= Q(agency_id__in=agencies)
    return Survey.objects.filter(condition)


def scope_covers(scope: str, *, unit_id: int | None, agency_id: int | None) -> bool:
    units, agencies = _scope_ids(scope)
    return unit_id in units or (agency_id is not None and agency_id in agencies)


def _split(key: str) -> tuple[str, str]:
    scope, _, rest = key.partition("|")
    return scope, rest


def _responses(key: str, kind: str) -> QuerySet[Response]:
    scope, rest = _split(key)
    surveys = _scope_surveys(scope)
    if kind == SERVICE_KIND:
        return Response.objects.filter(service_key=rest, survey__in=surveys)
    return Response.objects.filter(iteration_id=int(rest), survey__in=surveys)


def _watermark(key: str, kind: str) -> dict[str, Any]:
    """Which surveys the scope reads, the count and last id of the responses counted, and the
    count and last change of those surveys' themes and questions."""
    surveys = _scope_surveys(_split(key)[0])
    ids = ",".join(map(str, surveys.order_by("pk").values_list("pk", flat=True)))
    responses = _responses(key, kind).aggregate(n=Count("pk"), last=Max("pk"))
    themes = Theme.objects.filter(survey__in=surveys).aggregate(n=Count("pk"), t=Max("updated_at"))
    questions = Question.objects.filter(survey__in=surveys).aggregate(n=Count("pk"), m=Max("pk"))
    return {
        "surveys": hashlib.sha256(ids.encode()).hexdigest()[:16],
        "responses": [responses["n"], responses["last"]],
        "themes": [themes["n"], themes["t"].isoformat() if themes["t"] else None],
        "questions": [questions["n"], questions["m"]],
    }


def service_watermark(key: str) -> dict[str, Any]:
    return _watermark(key, SERVICE_KIND)


def iteration_watermark(key: str) -> dict[str, Any]:
    return _watermark(key, ITERATION_KIND)


def service_size(key: str) -> int:
    return _responses(key, SERVICE_KIND).count()


def iteration_size(key: str) -> int:
    return _responses(key, ITERATION_KIND).count()


# --- computing ------------------------------------------------------------------------------


def _panel_dict(summary: FeedbackSummary) -> dict[str, Any]:
    return {**summary.to_dict(), "themes": [asdict(t) for t in summary.themes]}


def service_dashboard_compute(key: str) -> dict[str, Any] | None:
    """The service page's figures as JSON; None when no survey of the scope knows the service."""
    scope, service_key = _split(key)
    dashboard = service_dashboard_in(_scope_surveys(scope), service_key)
    if dashboard is None:
        return None
    return {
        "n": dashboard.n,
        "over_time": {m: [asdict(s) for s in sc] for m, sc in dashboard.over_time.items()},
        "iterations": [_panel_dict(p) for p in dashboard.iterations],
        "themes": [asdict(t) for t in dashboard.themes],
        "comments": dashboard.comments,
    }


def iteration_feedback_compute(key: str) -> dict[str, Any] | None:
    """An iteration's panel as JSON (n = 0 when it has no response); None when it is gone."""
    scope, pk = _split(key)
    iteration = Iteration.objects.select_related("service").filter(pk=int(pk)).first()
    if iteration is None:
        return None
    return _panel_dict(iteration_feedback_in(_scope_surveys(scope), iteration))


# --- reading --------------------------------------------------------------------------------


def _score(d: dict[str, Any]) -> scoring.Score:
    return scoring.Score(**{**d, "label": score_label(d["key"])})


def _panel(d: dict[str, Any]) -> FeedbackSummary:
    return FeedbackSummary(
        d["iteration_key"],
        d["variant"],
        d["n"],
        [_score(s) for s in d["scores"]],
        [ThemeSummary(**t) for t in d["themes"]],
        d["comments"],
        d["sentiment"],
    )


def service_dashboard_from(service_key: str, payload: dict[str, Any]) -> ServiceDashboard:
    return ServiceDashboard(
        service_key,
        payload["n"],
        {m: [_score(s) for s in sc] for m, sc in payload["over_time"].items()},
        [_panel(p) for p in payload["iterations"]],
        [ThemeSummary(**t) for t in payload["themes"]],
        payload["comments"],
    )


def service_dashboard_read(
    *, viewer: Principal, service_key: str
) -> tuple[ServiceDashboard, datetime | None, bool]:
    """The service dashboard as stored for the viewer's scope, when it was computed and whether
    newer responses wait; computed_at None: being computed (shown empty). 404 as before when
    none of the viewer's surveys knows the service."""
    key = f"{scope_key(viewer)}|{service_key}"
    if len(key) > KEY_MAX:
        from civicloop.feedback.selectors.dashboard import service_dashboard

        return service_dashboard(viewer=viewer, service_key=service_key), None, False
    surveys = visible_surveys(viewer)
    if not (
        Response.objects.filter(service_key=service_key, survey__in=surveys).exists()
        or surveys.filter(service_key=service_key).exists()
    ):
        raise Http404("Not found")
    stored: Stored | None = aggregate_read(SERVICE_KIND, key)
    if stored is None:
        return ServiceDashboard(service_key, 0, {}, [], [], 0), None, True
    return service_dashboard_from(service_key, stored.payload), stored.computed_at, stored.stale


def iteration_feedback_stored(*, viewer: Principal, iteration: Iteration) -> dict[str, Any] | None:
    """The iteration's panel as stored for the viewer's scope, with `computed_at` and `stale`;
    None with no response (or while a large one is first computed)."""
    key = f"{scope_key(viewer)}|{iteration.pk}"
    if len(key) > KEY_MAX:
        summary = iteration_feedback_in(visible_surveys(viewer), iteration)
        return summary.to_dict() if summary.n else None
    stored = aggregate_read(ITERATION_KIND, key)
    if stored is None or not stored.payload["n"]:
        return None
    panel = _panel(stored.payload).to_dict()
    return {**panel, "computed_at": stored.computed_at, "stale": stored.stale}
