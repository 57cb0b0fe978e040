"""Reads of the obstacle register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from civicloop.core.permissions import Ability, Principal
from civicloop.scaling.models import (
    OPEN_OBSTACLE_STATUSES,
    Obstacle,
)
from civicloop.scaling.selectors._common import one_or_404, problem_scope


@dataclass(frozen=True)
class ObstacleFilters:
    problem: int | None = None
    kind: str | None = None
    status: str | None = None
    open_only: bool = False
    overdue_only: bool = False


def obstacle_list(
    *, viewer: Principal, filters: ObstacleFilters | None = None, today: date | None = None
) -> QuerySet[Obstacle]:
    f = filters or ObstacleFilters()
    qs = Obstacle.objects.filter(problem_scope(viewer)).select_related(
        "problem", "jurisdiction", "sandbox", "service", "owner"
    )
    if f.problem:
        qs = qs.filter(problem_id=f.problem)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.open_only:
        qs = qs.filter(status__in=OPEN_OBSTACLE_STATUSES)
    if f.overdue_only:
        qs = qs.filter(
            status__in=OPEN_OBSTACLE_STATUSES, due_date__lt=today or timezone.localdate()
        )
    return qs


def obstacle_overdue(*, viewer: Principal, today: date | None = None) -> QuerySet[Obstacle]:
    """Open obstacles past their due date: the dashboard's alerts."""
    return obstacle_list(viewer=viewer, filters=ObstacleFilters(overdue_only=True), today=today)


def obstacle_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> Obstacle:
    return one_or_404(
        Obstacle.objects.filter(problem_scope(viewer, ability)).select_related(
            "problem", "sandbox", "jurisdiction"
        ),
        pk,
    )


def obstacle_heatmap(obstacles) -> list[dict[str, int]]:
    """Counts of open obstacles in each severity × likelihood cell (all 25 cells)."""
    counts = {(s, li): 0 for s in range(1, 6) for li in range(1, 6)}
    for o in obstacles:
        if o.status in OPEN_OBSTACLE_STATUSES:
            counts[(o.severity, o.likelihood)] += 1
    return [{"severity": s, "likelihood": li, "count": n} for (s, li), n in counts.items()]
