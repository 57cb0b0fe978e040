"""Scaling API: assessments, obstacles, replication projections, sandboxes (public registry),
lessons."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.models import Organization, OrganizationKind, Person
from civicloop.core.permissions import Ability
from civicloop.evidence.selectors import effect_estimate_list
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors, services
from civicloop.scaling.models import Domain, LessonOutcome, ObstacleKind, ObstacleStatus

router = Router(tags=["scaling"])

DomainName = Literal[
    "problem",
    "intervention",
    "context",
    "effectiveness",
    "costs",
    "fidelity",
    "reach",
    "workforce",
    "infrastructure",
    "sustainability",
]
KindName = Literal["reluctance", "regulation", "capacity", "budget", "other"]
StatusName = Literal["open", "mitigating", "resolved", "accepted"]
OutcomeName = Literal["success", "failure", "mixed"]
assert set(DomainName.__args__) == set(Domain.values)  # type: ignore[attr-defined]  # noqa: S101
assert set(KindName.__args__) == set(ObstacleKind.values)  # type: ignore[attr-defined]  # noqa: S101
assert set(StatusName.__args__) == set(ObstacleStatus.values)  # type: ignore[attr-defined]  # noqa: S101
assert set(OutcomeName.__args__) == set(LessonOutcome.values)  # type: ignore[attr-defined]  # noqa: S101


def _jurisdiction(actor, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    org = Organization.objects.filter(
        pk=pk,
        kind__in=[OrganizationKind.JURISDICTION, OrganizationKind.AGENCY],
        unit_id__in=actor.units_with(Ability.EDIT_SCALING),
    ).first()
    if org is None:
        raise Http404("Not found")
    return org


# --- assessments ------------------------------------------------------------------------------


class AssessmentIn(InputSchema):
    problem_id: int
    title: str = Field(..., min_length=1, max_length=200)
    scope: str = ""


class AssessmentOut(Schema):
    id: int
    problem_id: int
    title: str
    scope: str
    created_at: datetime


class ScoreIn(InputSchema):
    domain: DomainName
    score: int = Field(..., ge=1, le=5)
    evidence: str = Field(..., min_length=1)
    notes: str = ""


def _assessment_dict(assessment) -> dict[str, Any]:
    result = selectors.assessment_result(assessment=assessment)
    r = result.readiness
    return {
        "id": assessment.pk,
        "problem_id": assessment.problem_id,
        "title": assessment.title,
        "domains": [s.__dict__ for s in result.summaries],
        "readiness": {
            "verdict": r.verdict,
            "weak_domains": r.weak_domains,
            "disputed_domains": r.disputed_domains,
            "reasons": r.reasons,
            "reason_codes": [{"code": c.code, "params": dict(c.params)} for c in r.reason_codes],
        },
        "scores": [
            {
                "domain": s.domain,
                "assessor": s.assessor.display_name,
                "score": s.score,
                "evidence": s.evidence,
                "notes": s.notes,
            }
            for s in result.rows
        ],
    }


@router.get("/scaling/assessments", response=list[AssessmentOut])
@paginate(Pagination)
def assessments(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.assessment_list(viewer=principal(request), problem_id=problem_id)


@router.post("/scaling/assessments", response={201: AssessmentOut})
def assessment_create(request: HttpRequest, payload: AssessmentIn):
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=payload.problem_id, ability=Ability.EDIT_SCALING
    )
    return Status(
        201,
        services.assessment_create(
            actor=actor, problem=problem, title=payload.title, scope=payload.scope
        ),
    )


@router.get("/scaling/assessments/{pk}", response=dict[str, Any])
def assessment(request: HttpRequest, pk: int):
    """Per-domain mean and spread, every rating with its evidence, and the readiness verdict."""
    return _assessment_dict(selectors.assessment_get(viewer=principal(request), pk=pk))


@router.post("/scaling/assessments/{pk}/scores", response={201: dict[str, Any]})
def assessment_score(request: HttpRequest, pk: int, payload: ScoreIn):
    """Rate a domain as the signed-in person (API keys cannot rate: an assessor is a person)."""
    actor = require_write(request)
    row = selectors.assessment_get(viewer=actor, pk=pk, ability=Ability.ASSESS_SCALABILITY)
    if not isinstance(actor.person, Person):
        raise PermissionError("Ratings are made by a signed-in person, not an API key.")
    services.assessment_score(actor=actor, assessment=row, assessor=actor.person, **payload.dict())
    return Status(201, _assessment_dict(row))


# --- obstacles --------------------------------------------------------------------------------


class ObstacleIn(InputSchema):
    problem_id: int
    kind: KindName
    title: str = Field(..., min_length=1, max_length=200)
    severity: int = Field(..., ge=1, le=5)
    likelihood: int = Field(..., ge=1, le=5)
    description: str = ""
    owner_label: str = ""
    mitigation: str = ""
    status: StatusName = "open"
    due_date: date | None = None
    jurisdiction_id: ObjectId | None = None
    sandbox_id: ObjectId | None = None
    service_id: ObjectId | None = None
    proposed_rule_change: str = ""


class ObstaclePatch(PatchSchema):
    nullable = frozenset({"due_date"})

    status: StatusName | None = None
    mitigation: str | None = None
    owner_label: str | None = None
    due_date: date | None = None
    severity: int | None = Field(None, ge=1, le=5)
    likelihood: int | None = Field(None, ge=1, le=5)
    proposed_rule_change: str | None = None


class ObstacleOut(Schema):
    id: int
    problem_id: int
    service_id: int | None
    jurisdiction_id: int | None
    sandbox_id: int | None
    kind: str
    title: str
    description: str
    severity: int
    likelihood: int
    owner_label: str
    mitigation: str
    status: str
    due_date: date | None
    proposed_rule_change: str
    overdue: bool = False

    @staticmethod
    def resolve_owner_label(obj) -> str:
        return obj.owner_name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        from django.utils import timezone

        return bool(
            obj.due_date
            and obj.due_date < timezone.localdate()
            and obj.status in ("open", "mitigating")
        )


@router.get("/scaling/obstacles", response=list[ObstacleOut])
@paginate(Pagination)
def obstacles(
    request: HttpRequest,
    problem_id: ObjectId | None = None,
    kind: KindName | None = None,
    status: StatusName | None = None,
    overdue: bool = False,
):
    filters = selectors.ObstacleFilters(
        problem=problem_id, kind=kind, status=status, overdue_only=overdue
    )
    return selectors.obstacle_list(viewer=principal(request), filters=filters)


@router.get("/scaling/obstacles/heatmap", response=dict[str, Any])
def obstacle_heatmap(request: HttpRequest, problem_id: ObjectId | None = None):
    """Open obstacles per severity × likelihood cell, and how many are overdue."""
    viewer = principal(request)
    rows = selectors.obstacle_list(
        viewer=viewer, filters=selectors.ObstacleFilters(problem=problem_id)
    )
    return {
        "cells": selectors.obstacle_heatmap(rows),
        "overdue": selectors.obstacle_overdue(viewer=viewer).count(),
    }


@router.post("/scaling/obstacles", response={201: ObstacleOut})
def obstacle_create(request: HttpRequest, payload: ObstacleIn):
    actor = require_write(request)
    data = payload.dict()
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=data.pop("problem_id"), ability=Ability.EDIT_SCALING
    )
    jurisdiction = _jurisdiction(actor, data.pop("jurisdiction_id"))
    sandbox_id, service_id = data.pop("sandbox_id"), data.pop("service_id")
    sandbox = (
        selectors.sandbox_get(viewer=actor, pk=sandbox_id, ability=Ability.EDIT_SCALING)
        if sandbox_id
        else None
    )
    service = None
    if service_id:
        from civicloop.experiments.selectors import service_get

        service = service_get(viewer=actor, pk=service_id)
    return Status(
        201,
        services.obstacle_create(
            actor=actor,
            problem=problem,
            jurisdiction=jurisdiction,
            sandbox=sandbox,
            service=service,
            **data,
        ),
    )


@router.patch("/scaling/obstacles/{pk}", response=ObstacleOut)
def obstacle_update(request: HttpRequest, pk: int, payload: ObstaclePatch):
    actor = require_write(request)
    row = selectors.obstacle_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    changes = payload.dict(exclude_unset=True)
    return services.obstacle_update(actor=actor, obstacle=row, **changes)


# --- replication ------------------------------------------------------------------------------


class PlanIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    effect_id: ObjectId | None = None
    benefit: float | None = None
    benefit_std_error: float | None = Field(None, ge=0)
    outcome_scale: float = Field(1.0, gt=0)
    tau: float = Field(..., ge=0)
    horizon_years: int = Field(5, ge=1, le=30)
    draws: int = Field(20_000, ge=1000, le=200_000)
    seed: int = Field(20261126, ge=0)
    has_replication_manual: bool = False
    currency: str = Field("EUR", min_length=3, max_length=3)


class PlanOut(Schema):
    id: int
    problem_id: int
    title: str
    effect_id: int | None
    benefit: float
    benefit_std_error: float
    tau: float
    horizon_years: int
    draws: int
    seed: int
    currency: str


class CandidateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    organization_id: ObjectId | None = None
    population: int | None = Field(None, ge=0)
    annual_volume: int = Field(..., ge=0)
    cost_per_transaction: Decimal = Field(..., ge=0)
    value_per_outcome_unit: Decimal = Field(Decimal(1), ge=0)
    context_similarity: float = Field(..., ge=0, le=1)
    one_off_cost: Decimal = Field(Decimal(0), ge=0)
    annual_running_cost: Decimal = Field(Decimal(0), ge=0)


class ReplicationIn(InputSchema):
    original_effect_id: int
    site: str = Field(..., min_length=1, max_length=200)
    # With experiment_id, the experiment's latest results give estimate, std_error and design;
    # the figures here count only while it has none.
    experiment_id: ObjectId | None = None
    experiment_scale: float = Field(1.0, gt=0)
    estimate: float | None = None
    std_error: float | None = Field(None, gt=0)
    design: str | None = None
    independent: bool
    completed_on: date
    jurisdiction_id: ObjectId | None = None
    notes: str = ""
    replication_system: bool | None = None


class ReplicationOut(Schema):
    id: int
    site: str
    estimate: float = Field(..., description="On the original effect's scale and sign.")
    std_error: float
    design: str
    independent: bool
    completed_on: date
    original_effect_id: int
    original_estimate: float
    experiment_id: int | None = Field(
        ..., description="The CivicLoop experiment that measured this replication, if any."
    )
    experiment_scale: float
    measured_source: str = Field(
        ...,
        description="Which experiment results the figures come from; empty when typed in.",
    )
    difference: float = Field(..., description="Replication minus original.")
    p_value: float = Field(..., description="Two-sided test that the two effects differ.")
    consistent: bool = Field(
        ...,
        description="Same sign, significant on its own and not significantly different from "
        "the original: such a replication, if independent, counts towards Nesta level 4.",
    )


class RemeasureOut(Schema):
    plan_id: int
    original_effect_id: int
    independent_replications: int = Field(
        ...,
        description="Independent replications consistent with the original, as now stored on "
        "the effect (Nesta level 4 from one, 5 with a replication system).",
    )
    replication_system: bool
    replications: list[ReplicationOut] = Field(
        ..., description="Every replication of the plan's effect, after re-measuring."
    )


@router.get("/scaling/plans", response=list[PlanOut])
@paginate(Pagination)
def plans(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.plan_list(viewer=principal(request), problem_id=problem_id)


@router.post("/scaling/problems/{problem_id}/plans", response={201: PlanOut})
def plan_create(request: HttpRequest, problem_id: int, payload: PlanIn):
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING
    )
    data = payload.dict()
    effect_id = data.pop("effect_id")
    effect = None
    if effect_id is not None:
        effect = (
            effect_estimate_list(viewer=actor, problem_id=problem.pk).filter(pk=effect_id).first()
        )
        if effect is None:
            raise Http404("Not found")
    return Status(
        201, services.replication_plan_create(actor=actor, problem=problem, effect=effect, **data)
    )


@router.post("/scaling/plans/{pk}/candidates", response={201: dict[str, Any]})
def candidate_add(request: HttpRequest, pk: int, payload: CandidateIn):
    actor = require_write(request)
    plan = selectors.plan_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    data = payload.dict()
    org = _jurisdiction(actor, data.pop("organization_id"))
    row = services.replication_candidate_add(actor=actor, plan=plan, organization=org, **data)
    return Status(201, {"id": row.pk, "name": row.name})


@router.get("/scaling/plans/{pk}/projection", response=dict[str, Any])
def projection(request: HttpRequest, pk: int):
    """Monte Carlo projection of impact and savings over the plan's candidates."""
    plan = selectors.plan_get(viewer=principal(request), pk=pk)
    result = selectors.plan_projection(plan=plan)
    return {
        "plan_id": plan.pk,
        "currency": plan.currency,
        "benefit": plan.benefit,
        "benefit_std_error": plan.benefit_std_error,
        "tau": plan.tau,
        "projection": result.to_dict() if result else None,
    }


def _replication_dict(r) -> dict[str, Any]:
    c = selectors.replication_compare(r)
    return {
        "id": r.pk,
        "site": r.site,
        "estimate": r.estimate,
        "std_error": r.std_error,
        "design": r.design,
        "independent": r.independent,
        "completed_on": r.completed_on,
        "original_effect_id": r.original_id,
        "original_estimate": r.original.estimate,
        "experiment_id": r.experiment_id,
        "experiment_scale": r.experiment_scale,
        "measured_source": r.measured_source,
        "difference": c.difference,
        "p_value": c.p_value,
        "consistent": c.consistent,
    }


@router.get("/scaling/replications", response=list[dict[str, Any]])
def replications(request: HttpRequest, problem_id: ObjectId | None = None):
    return [
        _replication_dict(r)
        for r in selectors.replication_list(viewer=principal(request), problem_id=problem_id)[:200]
    ]


@router.post("/scaling/replications", response={201: dict[str, Any]})
def replication_create(request: HttpRequest, payload: ReplicationIn):
    """Record a replication; independent, consistent ones raise the Nesta level (4, 5)."""
    actor = require_write(request)
    data = payload.dict()
    effect = effect_estimate_list(viewer=actor).filter(pk=data.pop("original_effect_id")).first()
    if effect is None or effect.problem.unit_id not in actor.units_with(Ability.EDIT_SCALING):
        raise Http404("Not found")
    jurisdiction = _jurisdiction(actor, data.pop("jurisdiction_id"))
    experiment_id = data.pop("experiment_id")
    experiment = None
    if experiment_id is not None:
        from civicloop.experiments.selectors import experiment_get

        experiment = experiment_get(viewer=actor, pk=experiment_id)
    row = services.replication_record(
        actor=actor, original=effect, jurisdiction=jurisdiction, experiment=experiment, **data
    )
    effect.refresh_from_db()
    return Status(201, {"id": row.pk, "independent_replications": effect.independent_replications})


@router.post(
    "/scaling/plans/{pk}/replications/remeasure",
    response=RemeasureOut,
    summary="Re-measure a plan's replications from their experiments' latest results",
    description=(
        "For every replication of the plan's effect that is linked to a CivicLoop experiment, "
        "reads that experiment's latest successful results and, when its primary effect (times "
        "the replication's `experiment_scale`) or interval changed, stores the new estimate, "
        "standard error, design and source; each such change is recorded in the audit log "
        "(`scaling.replication_remeasured`, before and after). A replication whose experiment "
        "has no usable results keeps its last figures; replications typed in by hand are left "
        "as they are. Then recounts the independent replications consistent with the original "
        "and stores that count on the effect (audited as `evidence.effect_replications_updated`"
        "), which moves its Nesta level (4, or 5 with a replication system: see "
        "`GET /api/v1/evidence/problems/{problem_id}/report`). The same action as the plan "
        "page's button *Update replications from their experiments' latest results*. No "
        "request body; calling it again without new results leaves the figures as they are.\n\n"
        "Answers 404 when the plan does not exist or you cannot edit scaling in its unit "
        "(readers of the plan included), 403 for a read-only API key, and 422 naming "
        "`effect_id` when the plan's benefit was typed in as figures rather than taken from a "
        "recorded effect, so that it has no replications."
    ),
)
def replications_remeasure(request: HttpRequest, pk: int):
    actor = require_write(request)
    plan = selectors.plan_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    if plan.effect is None:
        raise ValidationError(
            {
                "effect_id": "This plan's benefit was entered as figures, not taken from a "
                "recorded effect: it has no replications to re-measure."
            }
        )
    confirming = services.replications_remeasure(actor=actor, original=plan.effect)
    plan.effect.refresh_from_db()
    return {
        "plan_id": plan.pk,
        "original_effect_id": plan.effect.pk,
        "independent_replications": confirming,
        "replication_system": plan.effect.replication_system,
        "replications": [
            _replication_dict(r)
            for r in selectors.replication_list(viewer=actor).filter(original=plan.effect)
        ],
    }


# --- sandboxes --------------------------------------------------------------------------------


class PublicSandboxOut(Schema):
    slug: str
    title: str
    run_by: str = Field(..., alias="unit.name")
    public_summary: str
    regulator: str
    status: str
    rule_waived: str
    relaxation: str
    safeguards: str
    participants: str
    participant_limit: int | None
    exit_criteria: str
    starts_on: date | None
    ends_on: date | None
    extended_until: date | None
    exit_report: str
    learnings: list[str]

    @staticmethod
    def resolve_learnings(obj) -> list[str]:
        return [x.learning for x in obj.learnings.all()]


class SandboxIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    public_summary: str = Field(..., min_length=1)
    regulator: str = Field(..., min_length=1, max_length=200)
    problem_id: ObjectId | None = None
    published: bool = True


class SandboxOut(PublicSandboxOut):
    id: int
    problem_id: int | None
    in_scope: bool | None
    genuine_innovation: bool | None
    citizen_benefit: bool | None
    readiness: bool | None
    need: bool | None
    eligibility_notes: dict[str, str]
    published: bool


class EligibilityIn(InputSchema):
    in_scope: bool
    genuine_innovation: bool
    citizen_benefit: bool
    readiness: bool
    need: bool
    notes: dict[str, str]


class StartIn(InputSchema):
    rule_waived: str
    relaxation: str = ""
    safeguards: str
    participants: str
    exit_criteria: str
    starts_on: date
    ends_on: date
    participant_limit: int | None = Field(None, ge=1)


class ExtendIn(InputSchema):
    until: date
    reason: str


class ReportIn(InputSchema):
    period_end: date
    participants: int = Field(..., ge=0)
    incidents: int = Field(0, ge=0)
    safeguards_held: bool = True
    summary: str


class ExitIn(InputSchema):
    exit_report: str
    exited_on: date


class LearningIn(InputSchema):
    learning: str
    recommendation: str = ""
    obstacle_ids: list[ObjectId] = []


@router.get("/scaling/registry", response=list[PublicSandboxOut], auth=None)
@paginate(Pagination)
def registry(request: HttpRequest):
    """The public registry of regulatory sandboxes (no sign-in; no personal data)."""
    return selectors.sandbox_public_list()


@router.get("/scaling/registry/{slug}", response=PublicSandboxOut, auth=None)
def registry_detail(request: HttpRequest, slug: str):
    return selectors.sandbox_public_get(slug=slug)


@router.get("/scaling/sandboxes", response=list[SandboxOut])
@paginate(Pagination)
def sandboxes(request: HttpRequest):
    return (
        selectors.sandbox_list(viewer=principal(request))
        .select_related("unit")
        .prefetch_related("learnings")
    )


@router.post("/scaling/sandboxes", response={201: SandboxOut})
def sandbox_apply(request: HttpRequest, payload: SandboxIn):
    actor = require_write(request)
    data = payload.dict()
    problem_id = data.pop("problem_id")
    if problem_id is not None:
        problem = portfolio_selectors.problem_get(
            viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING
        )
        unit = problem.unit
    else:
        problem = None
        units = sorted(actor.units_with(Ability.EDIT_SCALING))
        if not units:
            raise Http404("Not found")
        unit = Organization.objects.get(pk=units[0])
    return Status(201, services.sandbox_apply(actor=actor, unit=unit, problem=problem, **data))


def _sandbox_for_edit(request: HttpRequest, pk: int):
    actor = require_write(request)
    return actor, selectors.sandbox_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)


@router.post("/scaling/sandboxes/{pk}/eligibility", response=SandboxOut)
def sandbox_eligibility(request: HttpRequest, pk: int, payload: EligibilityIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    notes = data.pop("notes")
    return services.sandbox_decide_eligibility(
        actor=actor, sandbox=sandbox, answers=data, notes=notes
    )


@router.post("/scaling/sandboxes/{pk}/start", response=SandboxOut)
def sandbox_start(request: HttpRequest, pk: int, payload: StartIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_start(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/extend", response=SandboxOut)
def sandbox_extend(request: HttpRequest, pk: int, payload: ExtendIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_extend(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/reports", response={201: dict[str, Any]})
def sandbox_report(request: HttpRequest, pk: int, payload: ReportIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    row = services.sandbox_report_add(actor=actor, sandbox=sandbox, **payload.dict())
    return Status(201, {"id": row.pk})


@router.post("/scaling/sandboxes/{pk}/exit", response=SandboxOut)
def sandbox_exit(request: HttpRequest, pk: int, payload: ExitIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    return services.sandbox_exit(actor=actor, sandbox=sandbox, **payload.dict())


@router.post("/scaling/sandboxes/{pk}/learnings", response={201: dict[str, Any]})
def sandbox_learning(request: HttpRequest, pk: int, payload: LearningIn):
    actor, sandbox = _sandbox_for_edit(request, pk)
    data = payload.dict()
    ids = data.pop("obstacle_ids")
    found = list(selectors.obstacle_list(viewer=actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise Http404("Not found")
    row = services.sandbox_learning_add(actor=actor, sandbox=sandbox, obstacles=found, **data)
    return Status(201, {"id": row.pk})


# --- lessons ----------------------------------------------------------------------------------


class LessonIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    what_we_learnt: str = Field(..., min_length=1)
    outcome: OutcomeName
    problem_id: ObjectId | None = None
    iteration_label: str = ""
    context: str = ""
    tags: str = ""


class LessonOut(Schema):
    id: int
    problem_id: int | None
    problem: str | None = None
    iteration_label: str
    title: str
    context: str
    what_we_learnt: str
    outcome: str
    tags: str
    created_at: datetime

    @staticmethod
    def resolve_problem(obj) -> str | None:
        return obj.problem.title if obj.problem_id else None


@router.get("/scaling/lessons", response=list[LessonOut])
@paginate(Pagination)
def lessons(request: HttpRequest, q: str = "", outcome: OutcomeName | None = None):
    """Search the archive: every word of `q` must appear in some text field."""
    return selectors.lesson_search(viewer=principal(request), query=q[:200], outcome=outcome)


@router.post("/scaling/lessons", response={201: LessonOut})
def lesson_create(request: HttpRequest, payload: LessonIn):
    actor = require_write(request)
    data = payload.dict()
    problem_id = data.pop("problem_id")
    if problem_id is not None:
        problem = portfolio_selectors.problem_get(
            viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING
        )
        unit = problem.unit
    else:
        problem = None
        units = sorted(actor.units_with(Ability.EDIT_SCALING))
        if not units:
            raise Http404("Not found")
        unit = Organization.objects.get(pk=units[0])
    return Status(201, services.lesson_record(actor=actor, unit=unit, problem=problem, **data))
