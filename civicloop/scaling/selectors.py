"""Every read of the scaling app, scoped by `core.permissions` (outside scope → 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.portfolio.models import CLOSED_STAGES, Problem
from civicloop.scaling import assessment as isat
from civicloop.scaling.models import (
    OPEN_OBSTACLE_STATUSES,
    Lesson,
    Obstacle,
    Replication,
    ReplicationPlan,
    Sandbox,
    SandboxStatus,
    ScalabilityAssessment,
)
from civicloop.scaling.projection import (
    Projection,
    ReplicationComparison,
    Site,
    compare_replication,
    project,
)

PUBLIC_STATUSES = [SandboxStatus.ACTIVE, SandboxStatus.EXTENDED, SandboxStatus.EXITED]


def _problem_scope(
    viewer: Principal, ability: Ability = Ability.VIEW_PORTFOLIO, prefix: str = "problem__"
) -> Q:
    return scope_q(
        viewer, ability, unit_field=f"{prefix}unit_id", agency_field=f"{prefix}owner_agency_id"
    )


def _one(qs: QuerySet, pk: int):
    row = qs.filter(pk=pk).first()
    if row is None:
        raise Http404("Not found")
    return row


# --- assessments ------------------------------------------------------------------------------


def assessment_list(
    *, viewer: Principal, problem_id: int | None = None
) -> QuerySet[ScalabilityAssessment]:
    qs = ScalabilityAssessment.objects.filter(_problem_scope(viewer)).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs.annotate(n_scores=Count("scores"))


def assessment_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> ScalabilityAssessment:
    return _one(
        ScalabilityAssessment.objects.filter(_problem_scope(viewer, ability)).select_related(
            "problem"
        ),
        pk,
    )


@dataclass(frozen=True)
class AssessmentResult:
    summaries: list[isat.DomainSummary]
    readiness: isat.Readiness
    assessors: list[str]
    rows: list  # AssessmentScore rows with assessor


def assessment_result(*, assessment: ScalabilityAssessment) -> AssessmentResult:
    """Mean and spread per domain, the readiness verdict, and every rating with its evidence."""
    rows = list(assessment.scores.select_related("assessor").order_by("domain", "assessor__email"))
    triples = [(str(r.assessor_id), r.domain, r.score) for r in rows]
    names = sorted({r.assessor.display_name for r in rows})
    return AssessmentResult(isat.summarise(triples), isat.readiness(triples), names, rows)


# --- obstacles --------------------------------------------------------------------------------


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
    qs = Obstacle.objects.filter(_problem_scope(viewer)).select_related(
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
    return _one(
        Obstacle.objects.filter(_problem_scope(viewer, ability)).select_related(
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


# --- replication ------------------------------------------------------------------------------


def plan_list(*, viewer: Principal, problem_id: int | None = None) -> QuerySet[ReplicationPlan]:
    qs = ReplicationPlan.objects.filter(_problem_scope(viewer)).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs


def plan_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> ReplicationPlan:
    return _one(
        ReplicationPlan.objects.filter(_problem_scope(viewer, ability)).select_related(
            "problem", "effect"
        ),
        pk,
    )


def plan_projection(*, plan: ReplicationPlan) -> Projection | None:
    """Monte Carlo projection over the plan's candidates (None until there is one)."""
    candidates = list(plan.candidates.all())
    if not candidates:
        return None
    sites = [
        Site(
            c.name,
            float(c.annual_volume),
            float(c.value_per_outcome_unit),
            c.context_similarity,
            float(c.one_off_cost),
            float(c.annual_running_cost),
        )
        for c in candidates
    ]
    return project(
        effect=plan.benefit,
        effect_se=plan.benefit_std_error,
        tau=plan.tau,
        sites=sites,
        horizon_years=plan.horizon_years,
        draws=plan.draws,
        seed=plan.seed,
    )


def replication_list(*, viewer: Principal, problem_id: int | None = None) -> QuerySet[Replication]:
    qs = Replication.objects.filter(_problem_scope(viewer)).select_related(
        "original", "jurisdiction", "experiment"
    )
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs


def replication_compare(replication: Replication) -> ReplicationComparison:
    o = replication.original
    return compare_replication(
        original=o.estimate,
        original_se=o.std_error,
        replication=replication.estimate,
        replication_se=replication.std_error,
    )


# --- sandboxes --------------------------------------------------------------------------------


def sandbox_list(*, viewer: Principal) -> QuerySet[Sandbox]:
    return Sandbox.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")


def sandbox_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> Sandbox:
    qs = Sandbox.objects.filter(
        scope_q(viewer, ability, unit_field="unit_id", agency_field="problem__owner_agency_id")
    )
    return _one(qs.select_related("problem", "unit"), pk)


def sandbox_public_list() -> QuerySet[Sandbox]:
    """The public registry: published sandboxes that were agreed (no applications, no names)."""
    return (
        Sandbox.objects.filter(published=True, status__in=PUBLIC_STATUSES)
        .select_related("unit")
        .prefetch_related("learnings", "reports")
        .order_by("-starts_on", "title")
    )


def sandbox_public_get(*, slug: str) -> Sandbox:
    sandbox = sandbox_public_list().filter(slug=slug).first()
    if sandbox is None:
        raise Http404("Not found")
    return sandbox


# --- lessons ----------------------------------------------------------------------------------


def lesson_search(
    *, viewer: Principal, query: str = "", outcome: str | None = None
) -> QuerySet[Lesson]:
    """Lessons matching every word of `query` in any text field (icontains: portable SQL)."""
    qs = Lesson.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(what_we_learnt__icontains=word)
            | Q(context__icontains=word)
            | Q(tags__icontains=word)
            | Q(iteration_label__icontains=word)
            | Q(problem__title__icontains=word)
            | Q(problem__statement__icontains=word)
        )
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-created_at")


def closed_problem_list(*, viewer: Principal, query: str = "") -> QuerySet[Problem]:
    qs = Problem.objects.filter(
        scope_q(
            viewer, Ability.VIEW_PORTFOLIO, unit_field="unit_id", agency_field="owner_agency_id"
        ),
        stage__in=list(CLOSED_STAGES),
    ).annotate(n_lessons=Count("lessons"))
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word) | Q(statement__icontains=word) | Q(causes__icontains=word)
        )
    return qs.order_by("-updated_at")


@dataclass(frozen=True)
class IterationLesson:
    service: str
    iteration: str
    decision: str  # iterate | pivot | scale | stop
    rationale: str
    hypothesis: str
    decided_at: datetime


def iteration_lessons(*, viewer: Principal, query: str = "") -> list[IterationLesson]:
    """Decided iterations from the experiments app (its decision log), matching every word."""
    try:
        from civicloop.experiments import selectors as experiments_selectors
    except ImportError:
        return []
    words = [w.lower() for w in query.split()[:8]]
    out = []
    services = experiments_selectors.service_list(viewer=viewer).prefetch_related(
        "iterations__decision"
    )
    for service in services:
        for iteration in service.iterations.all():
            decision = getattr(iteration, "decision", None)
            if decision is None:
                continue
            text = " ".join(
                [
                    service.name,
                    iteration.title,
                    iteration.what_changes,
                    iteration.hypothesis,
                    decision.rationale,
                ]
            ).lower()
            if all(w in text for w in words):
                out.append(
                    IterationLesson(
                        service.name,
                        f"#{iteration.number} {iteration.title}",
                        decision.kind,
                        decision.rationale,
                        iteration.hypothesis,
                        decision.decided_at,
                    )
                )
    return sorted(out, key=lambda x: x.decided_at, reverse=True)
