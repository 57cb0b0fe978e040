"""Every read of the portfolio that a view or the API needs, scoped by `core.permissions`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, overload

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.portfolio.models import Kpi, Measurement, Problem, StageTransition, TargetGroup

DEFAULT_WEIGHTS = {"impact": 1.0, "reach": 1.0, "urgency": 1.0, "effort": 1.0}
# A KPI is off track when its progress lags the straight line from baseline to target by more
# than this share of the distance.
OFF_TRACK_TOLERANCE = 0.10


@dataclass(frozen=True)
class ProblemFilters:
    stage: str | None = None
    facet: str | None = None
    agency: int | None = None
    target_group: int | None = None
    tag: str | None = None
    search: str | None = None
    off_track: bool | None = None
    sort: str = "priority"


def _visible_problems(
    viewer: Principal, ability: Ability = Ability.VIEW_PORTFOLIO
) -> QuerySet[Problem]:
    return Problem.objects.filter(
        scope_q(viewer, ability, unit_field="unit_id", agency_field="owner_agency_id")
    )


def _filtered_problems(viewer: Principal, filters: ProblemFilters) -> QuerySet[Problem]:
    qs = _visible_problems(viewer)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.facet:
        qs = qs.filter(facet=filters.facet)
    if filters.agency:
        qs = qs.filter(owner_agency_id=filters.agency)
    if filters.target_group:
        qs = qs.filter(target_groups__id=filters.target_group)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag.strip().lower())
    if filters.search:
        qs = qs.filter(title__icontains=filters.search.strip())
    return qs.distinct()


def _with_list_data(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return qs.select_related("unit", "owner_agency").prefetch_related(
        "tags",
        "target_groups",
        Prefetch(
            "kpis",
            queryset=Kpi.objects.prefetch_related(
                Prefetch("measurements", queryset=Measurement.objects.order_by("date"))
            ),
        ),
    )


def _decorate(problem: Problem) -> None:
    weights = {**DEFAULT_WEIGHTS, **(problem.unit.prioritisation_weights or {})}
    problem.priority_score = priority_score(problem, weights)  # type: ignore[attr-defined]
    statuses = [kpi_status(kpi) for kpi in problem.kpis.all()]
    problem.kpi_statuses = statuses  # type: ignore[attr-defined]
    problem.off_track = any(s.off_track for s in statuses)  # type: ignore[attr-defined]


def _sort_key(sort: str) -> Callable[[Any], Any]:
    if sort == "title":
        return lambda p: p.title.lower()
    if sort == "updated":
        return lambda p: -p.updated_at.timestamp()
    return lambda p: (-p.priority_score, p.title.lower())


def problem_list(*, viewer: Principal, filters: ProblemFilters | None = None) -> list[Problem]:
    """The problems a viewer may see, filtered and sorted, with score and on-track status."""
    filters = filters or ProblemFilters()
    problems = list(_with_list_data(_filtered_problems(viewer, filters)))
    for problem in problems:
        _decorate(problem)
    if filters.off_track is not None:
        problems = [p for p in problems if p.off_track is filters.off_track]  # type: ignore[attr-defined]
    problems.sort(key=_sort_key(filters.sort))
    return problems


class ProblemRows(Sequence[Problem]):
    """`problem_list` in the same order, loading only the rows a slice asks for.

    The order comes from one narrow query (key, title, date and scoring columns of every
    matching problem, no joins); a slice then loads its own problems with their tags, groups,
    KPIs and measurements, so a page of the portfolio costs the same queries at any size.
    """

    def __init__(self, qs: QuerySet[Problem], ordered: list[int]) -> None:
        self._qs = qs
        self._ordered = ordered

    def __len__(self) -> int:
        return len(self._ordered)

    def count(self) -> int:  # type: ignore[override]
        return len(self._ordered)

    @overload
    def __getitem__(self, index: int) -> Problem: ...
    @overload
    def __getitem__(self, index: slice) -> list[Problem]: ...
    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        if isinstance(index, int):
            return self[index : index + 1][0] if index >= 0 else self[len(self) + index]
        pks = self._ordered[index]
        loaded = {p.pk: p for p in _with_list_data(self._qs.model.objects.filter(pk__in=pks))}
        for problem in loaded.values():
            _decorate(problem)
        return [loaded[pk] for pk in pks if pk in loaded]


def problem_rows(*, viewer: Principal, filters: ProblemFilters | None = None) -> Sequence[Problem]:
    """What `problem_list` returns, for a page at a time (see `ProblemRows`).

    The on-track filter needs every problem's KPI status, so with it the full list is built.
    """
    filters = filters or ProblemFilters()
    if filters.off_track is not None:
        return problem_list(viewer=viewer, filters=filters)
    qs = _filtered_problems(viewer, filters)
    rows = list(
        qs.order_by("-updated_at", "-pk").values_list(
            "pk", "title", "updated_at", "impact", "reach", "urgency", "effort", "unit_id"
        )
    )
    weights = dict(
        Organization.objects.filter(pk__in={r[7] for r in rows}).values_list(
            "pk", "prioritisation_weights"
        )
    )
    keyed = [
        SimpleNamespace(
            pk=pk,
            title=title,
            updated_at=updated_at,
            priority_score=priority_score(
                SimpleNamespace(impact=i, reach=r, urgency=u, effort=e),  # type: ignore[arg-type]
                {**DEFAULT_WEIGHTS, **(weights.get(unit_id) or {})},
            ),
        )
        for pk, title, updated_at, i, r, u, e, unit_id in rows
    ]
    keyed.sort(key=_sort_key(filters.sort))
    return ProblemRows(qs, [k.pk for k in keyed])


def problem_search(
    *, viewer: Principal, stages: Iterable[str], query: str = ""
) -> QuerySet[Problem]:
    """Problems the viewer may see at one of `stages` whose title, statement or causes hold
    every word of `query` (case-insensitive, in SQL: portable and bounded by the caller's
    slice), most recently updated first. No list data: callers that need KPIs use
    `problem_rows`."""
    qs = _visible_problems(viewer).filter(stage__in=list(stages))
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word) | Q(statement__icontains=word) | Q(causes__icontains=word)
        )
    return qs.order_by("-updated_at", "-pk")


def problem_choices(
    *,
    viewer: Principal,
    ability: Ability = Ability.VIEW_PORTFOLIO,
    units: Iterable[int] | None = None,
    exclude_stages: Iterable[str] = (),
) -> QuerySet[Problem]:
    """The problems a form may offer in a select (key, title, unit and stage only, by title):
    those on which the viewer holds `ability`, in `units` when given, minus `exclude_stages`.
    Never the list data `problem_list` builds: a form of a unit with thousands of problems
    must not load their KPIs and measurements."""
    qs = _visible_problems(viewer, ability)
    if units is not None:
        qs = qs.filter(unit_id__in=sorted(units))
    return (
        qs.exclude(stage__in=list(exclude_stages))
        .only("pk", "title", "unit_id", "stage")
        .order_by("title", "pk")
    )


def priority_score(problem: Problem, weights: dict[str, float]) -> float:
    """impact^a × reach^b × urgency^c ÷ effort^d, with the unit's weights as exponents."""
    score = (
        problem.impact ** weights["impact"]
        * problem.reach ** weights["reach"]
        * problem.urgency ** weights["urgency"]
        / problem.effort ** weights["effort"]
    )
    return round(float(score), 3)


def problem_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> Problem:
    """One problem, or 404 if it does not exist or is outside the viewer's scope."""
    problem = (
        _visible_problems(viewer, ability)
        .select_related("unit", "owner_agency")
        .prefetch_related("tags", "target_groups")
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise Http404("Not found")
    return problem


def problem_transitions(*, problem: Problem) -> QuerySet[StageTransition]:
    return problem.transitions.select_related("decided_by").order_by("decided_at", "pk")


def kpi_list(*, viewer: Principal, problem_id: int | None = None) -> QuerySet[Kpi]:
    qs = Kpi.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="problem__unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs.order_by("problem_id", "name")


def kpi_get(*, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO) -> Kpi:
    kpi = (
        Kpi.objects.filter(
            scope_q(
                viewer,
                ability,
                unit_field="problem__unit_id",
                agency_field="problem__owner_agency_id",
            ),
            pk=pk,
        )
        .select_related("problem", "problem__unit", "problem__owner_agency")
        .first()
    )
    if kpi is None:
        raise Http404("Not found")
    return kpi


def measurement_list(*, viewer: Principal, kpi_id: int | None = None) -> QuerySet[Measurement]:
    qs = Measurement.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="kpi__problem__unit_id",
            agency_field="kpi__problem__owner_agency_id",
        )
    )
    if kpi_id is not None:
        qs = qs.filter(kpi_id=kpi_id)
    return qs.order_by("kpi_id", "date")


def target_group_list(*, viewer: Principal) -> QuerySet[TargetGroup]:
    return TargetGroup.objects.filter(
        unit_id__in=viewer.units_with(Ability.VIEW_PORTFOLIO)
    ) | TargetGroup.objects.filter(
        problems__owner_agency_id__in=viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    )


@dataclass(frozen=True)
class KpiStatus:
    kpi_id: int
    latest_value: Decimal | None
    latest_date: date | None
    progress: float | None  # share of the way from baseline to target, 0..1 (may exceed)
    expected_progress: float | None  # where a straight line to the target would be by now
    off_track: bool
    target_met: bool


def kpi_status(kpi: Kpi, today: date | None = None) -> KpiStatus:
    """Progress from baseline to target, and whether it lags the straight line to the target."""
    measurements = list(kpi.measurements.all())
    latest = max(measurements, key=lambda m: m.date) if measurements else None
    if latest is None:
        return KpiStatus(kpi.pk, None, None, None, None, False, False)
    span = kpi.target_value - kpi.baseline_value
    progress = float((latest.value - kpi.baseline_value) / span) if span != 0 else 1.0
    total_days = (kpi.target_date - kpi.baseline_date).days
    elapsed = ((today or timezone.localdate()) - kpi.baseline_date).days
    expected = min(max(elapsed / total_days, 0.0), 1.0) if total_days > 0 else 1.0
    better = (
        latest.value >= kpi.target_value
        if kpi.direction == "higher"
        else latest.value <= kpi.target_value
    )
    off_track = not better and progress < expected - OFF_TRACK_TOLERANCE
    return KpiStatus(
        kpi.pk, latest.value, latest.date, round(progress, 4), round(expected, 4), off_track, better
    )


def agency_filter_choices(*, viewer: Principal) -> QuerySet[Organization]:
    """The agencies the portfolio list can be filtered by: those of the viewer's units, and the
    viewer's own agencies."""
    agencies = Organization.objects.filter(
        unit_id__in=viewer.units_with(Ability.VIEW_PORTFOLIO), kind=OrganizationKind.AGENCY
    ) | Organization.objects.filter(pk__in=viewer.agencies_with(Ability.VIEW_PORTFOLIO))
    return agencies.distinct().order_by("name")


def target_groups_by_id(
    *, viewer: Principal, unit: Organization, ids: list[int]
) -> list[TargetGroup]:
    """The target groups of `unit` among `ids` that the viewer may see."""
    return list(target_group_list(viewer=viewer).filter(unit=unit, pk__in=ids).distinct())


# --- the public portal ---------------------------------------------------------------------
# No viewer: what a unit chose to publish is public. Only published problems; the caller shows
# the statement, target groups, KPIs and stage, never the prioritisation scores or people.


def problem_list_public() -> QuerySet[Problem]:
    """Published problems, newest publication first, with what the public page shows loaded."""
    return (
        Problem.objects.filter(published=True)
        .select_related("unit", "owner_agency")
        .prefetch_related(
            "target_groups",
            Prefetch(
                "kpis",
                queryset=Kpi.objects.order_by("name").prefetch_related(
                    Prefetch("measurements", queryset=Measurement.objects.order_by("date"))
                ),
            ),
        )
        .order_by("-published_at", "-pk")
    )


def problem_get_public(*, pk: int) -> Problem:
    """One published problem, or 404 (an unpublished problem does not exist for the public)."""
    problem = problem_list_public().filter(pk=pk).first()
    if problem is None:
        raise Http404("Not found")
    return problem
