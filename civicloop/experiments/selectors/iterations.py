"""Reads of iterations: one iteration, its tag, and the citizen feedback on it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Principal
from civicloop.experiments.models import (
    Iteration,
    Service,
)
from civicloop.experiments.selectors._scope import service_scope
from civicloop.experiments.selectors.services import service_tag, services_tagged


def iteration_get(*, viewer: Principal, pk: int) -> Iteration:
    ids = Service.objects.filter(service_scope(viewer)).values("pk")
    iteration = (
        Iteration.objects.filter(pk=pk, service_id__in=ids)
        .select_related("service", "service__unit")
        .first()
    )
    if iteration is None:
        raise Http404("Not found")
    return iteration


def iteration_visible(*, viewer: Principal) -> QuerySet[Iteration]:
    """The iterations of the services the viewer may see (for a subquery)."""
    scoped = Service.objects.filter(service_scope(viewer)).values("pk")
    return Iteration.objects.filter(service_id__in=scoped)


def iteration_titles(*, viewer: Principal, ids: list[int]) -> dict[int, str]:
    """Titles of the iterations among `ids` that the viewer may see, in one query."""
    rows = iteration_visible(viewer=viewer).filter(pk__in=ids).values_list("pk", "title")
    return dict(rows)


def iteration_tag(iteration: Iteration) -> str:
    """The `iteration_key` a service's pages send with feedback: "<service tag>-<number>"."""
    return f"{service_tag(iteration.service)}-{iteration.number}"


def iterations_tagged(*, unit_id: int, tag: str) -> list[Iteration]:
    """The iterations of ONE unit whose tag is `tag` ("<service tag>-<number>")."""
    head, _sep, number = tag.rpartition("-")
    if not head or not number.isdigit():
        return []
    return list(
        Iteration.objects.filter(
            service__in=services_tagged(unit_id=unit_id, tag=head), number=int(number)
        ).select_related("service")
    )


# feedback depends on experiments (ARCHITECTURE.md), so this app never imports it: the feedback
# app registers its reader here when Django starts (FeedbackConfig.ready, ADR 0011). A reader
# takes the viewer and the iteration and returns a JSON-able summary, or None when it has none.
IterationFeedbackReader = Callable[..., dict[str, Any] | None]
_ITERATION_FEEDBACK_READERS: dict[str, IterationFeedbackReader] = {}


def iteration_feedback_register(name: str, reader: IterationFeedbackReader) -> None:
    _ITERATION_FEEDBACK_READERS[name] = reader


def iteration_feedback(*, viewer: Principal, iteration: Iteration, stored: bool = False) -> Any:
    """Citizen feedback on an iteration as the viewer may read it.

    With `stored` (the iteration page) a reader may answer from figures it stored (ADR 0019),
    adding `computed_at` and `stale`; a decision asks without it and gets them computed now.

    From a registered reader (the feedback app: responses linked to this iteration by foreign
    key, in surveys the viewer may read) when it has responses; otherwise the iteration's own
    `feedback_summary` (filled by hand or by an import).
    """
    for reader in _ITERATION_FEEDBACK_READERS.values():
        summary = reader(viewer=viewer, iteration=iteration, stored=stored)
        if summary:
            return json_safe(summary)
    return iteration.feedback_summary


def json_safe(value: Any) -> Any:
    """JSON with NaN/infinity as null (PostgreSQL's jsonb refuses NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
