"""Experiments API: services, iterations, experiments, results, decisions and assignment."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.analytics.engine import assign
from civicloop.analytics.models import Metric
from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability
from civicloop.experiments import selectors, services
from civicloop.experiments.models import Experiment, ExperimentStatus, ResultSnapshot
from civicloop.portfolio.models import Kpi, Problem

router = Router(tags=["experiments"])

DesignName = Literal["ab", "rollout", "did", "staggered", "its", "synth"]
ChannelName = Literal["online", "app", "phone", "counter", "mail"]


class ServiceOut(Schema):
    id: int
    unit_id: int
    owner_agency_id: int
    owner_agency: str = Field(..., alias="owner_agency.name")
    name: str
    description: str
    channels: list[str]
    annual_volume: int
    cost_per_transaction: Decimal
    currency: str
    problem_ids: list[int]

    @staticmethod
    def resolve_problem_ids(obj) -> list[int]:
        return [p.pk for p in obj.problems.all()]


class ServiceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    owner_agency_id: int
    annual_volume: int = Field(..., ge=0)
    cost_per_transaction: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    channels: list[ChannelName] = []
    description: str = ""
    problem_ids: list[ObjectId] = []
    kpi_ids: list[ObjectId] = []
    shared_with_ids: list[ObjectId] = []
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class IterationIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    what_changes: str = Field(..., min_length=1)
    hypothesis_change: str = Field(..., description="If we …")
    hypothesis_metric: str = Field(..., description="then <metric> …")
    hypothesis_group: str = Field(..., description="for <target group> …")
    hypothesis_effect: str = Field(..., description="improves by …")
    hypothesis_because: str = Field(..., description="because …")
    starts_on: date
    ends_on: date
    evaluation_plan: str = Field(..., min_length=1)


class IterationOut(Schema):
    id: int
    service_id: int
    number: int
    title: str
    what_changes: str
    hypothesis: str
    starts_on: date
    ends_on: date
    evaluation_plan: str
    status: str


class MetricChoice(InputSchema):
    metric_id: int
    role: Literal["primary", "secondary", "guardrail"]
    non_inferiority_margin: float | None = Field(None, gt=0)


class VariantIn(InputSchema):
    key: str = Field(..., min_length=1, max_length=64)
    weight: int = Field(1, ge=0)


class ExperimentIn(InputSchema):
    iteration_id: int
    key: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    title: str = Field(..., min_length=1, max_length=200)
    design: DesignName
    analysis_plan: str = Field(..., min_length=1)
    metrics: list[MetricChoice]
    variants: list[VariantIn] = []
    control_variant: str = "control"
    salt: str = ""
    traffic_bp: int = Field(10_000, ge=0, le=10_000)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    planned_days: int = Field(28, ge=1)
    intervention_date: date | None = None
    min_units_per_variant: int = Field(100, ge=1)


class ExperimentPatch(PatchSchema):
    nullable = frozenset({"intervention_date"})

    reason: str = Field("", description="Required when the plan is locked (a deviation).")
    title: str | None = None
    analysis_plan: str | None = None
    alpha: float | None = Field(None, gt=0, lt=0.5)
    planned_days: int | None = Field(None, ge=1)
    intervention_date: date | None = None
    traffic_bp: int | None = Field(
        None, ge=0, le=10_000, description="Ramp a staged rollout (not a plan deviation)"
    )
    metrics: list[MetricChoice] | None = None


class DeviationOut(Schema):
    field: str
    before: Any
    after: Any
    reason: str
    recorded_at: datetime
    recorded_by: str = Field(..., alias="recorded_by_label")


class ExperimentOut(Schema):
    id: int
    iteration_id: int
    service_id: int = Field(..., alias="iteration.service_id")
    key: str
    title: str
    design: str
    status: str
    variants: list[dict]
    control_variant: str
    traffic_bp: int
    alpha: float
    analysis_plan: str
    planned_days: int
    intervention_date: date | None
    started_at: datetime | None
    stopped_at: datetime | None
    locked_at: datetime | None
    locked_plan: dict | None
    metrics: list[dict]

    @staticmethod
    def resolve_metrics(obj) -> list[dict]:
        return [
            {
                "metric_id": link.metric_id,
                "key": link.metric.key,
                "role": link.role,
                "non_inferiority_margin": link.non_inferiority_margin,
            }
            for link in obj.metric_links.all()
        ]


class ResultsOut(Schema):
    experiment_id: int
    snapshot_id: int
    computed_at: datetime
    ok: bool
    error: str
    warnings: list[str]
    maryland_sms: int | None
    nesta_level: int | None
    payload: dict
    deviations: list[DeviationOut]


class DecisionIn(InputSchema):
    kind: Literal["iterate", "pivot", "scale", "stop"]
    rationale: str = ""
    cited_result_ids: list[ObjectId] = Field(
        ..., description="Result snapshot ids the decision cites"
    )
    stop_reason: Literal["", "harm", "futility"] = ""


class DecisionOut(Schema):
    id: int
    iteration_id: int
    kind: str
    stop_reason: str
    rationale: str
    decided_at: datetime
    decided_by: str = Field(..., alias="decided_by_label")
    evidence_summary: list[dict]
    feedback_summary: Any = None
    problem_stage_moves: list[dict]


class AssignmentOut(Schema):
    experiment: str
    unit_id: str
    variant: str | None
    bucket: int | None
    in_experiment: bool


class SiteObservationIn(InputSchema):
    site: str = Field(..., min_length=1, max_length=120)
    period: date
    outcome: float
    treated: bool = False


class PowerIn(InputSchema):
    metric_id: int
    baseline: float
    mde_rel: float = Field(..., gt=0)
    sd: float | None = Field(None, gt=0)
    variants: int = Field(2, ge=2)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0, lt=1)
    traffic_share: float = Field(1.0, gt=0, le=1)


def _manage_unit(request: HttpRequest, unit_id: int | None) -> Organization:
    units = sorted(principal(request).units_with(Ability.MANAGE_EXPERIMENTS))
    if unit_id is not None:
        if unit_id not in units:
            raise ValidationError({"unit_id": "You cannot manage that unit's services."})
        return Organization.objects.get(pk=unit_id)
    if not units:
        raise PermissionError("You cannot manage any unit's services.")
    if len(units) > 1:
        raise ValidationError({"unit_id": "You belong to several units: say which."})
    return Organization.objects.get(pk=units[0])


def _metrics(unit_id: int, choices: list[MetricChoice]) -> list[tuple[Metric, str, float | None]]:
    found = {
        m.pk: m
        for m in Metric.objects.filter(unit_id=unit_id, pk__in=[c.metric_id for c in choices])
    }
    out: list[tuple[Metric, str, float | None]] = []
    for c in choices:
        if c.metric_id not in found:
            raise ValidationError({"metrics": f"No metric {c.metric_id} in this unit."})
        out.append((found[c.metric_id], c.role, c.non_inferiority_margin))
    return out


@router.get("/services", response=list[ServiceOut], summary="Services under improvement")
@paginate(Pagination)
def list_services(request: HttpRequest):
    return selectors.service_list(viewer=principal(request))


@router.post("/services", response={201: ServiceOut}, summary="Register a service")
def create_service(request: HttpRequest, payload: ServiceIn):
    actor = require_write(request)
    unit = _manage_unit(request, payload.unit_id)
    agency = Organization.objects.filter(
        pk=payload.owner_agency_id, unit=unit, kind=OrganizationKind.AGENCY
    ).first()
    if agency is None:
        raise ValidationError({"owner_agency_id": "No agency with this id works with your unit."})
    problems = list(Problem.objects.filter(unit=unit, pk__in=payload.problem_ids))
    kpis = list(
        Kpi.objects.filter(problem__unit=unit, pk__in=payload.kpi_ids).select_related("problem")
    )
    shared = list(Organization.objects.filter(pk__in=payload.shared_with_ids))
    if len(problems) != len(set(payload.problem_ids)):
        raise ValidationError({"problem_ids": "One or more problems are not in your unit."})
    if len(kpis) != len(set(payload.kpi_ids)):
        raise ValidationError({"kpi_ids": "One or more KPIs are not in your unit."})
    service = services.service_create(
        actor=actor,
        unit=unit,
        owner_agency=agency,
        name=payload.name,
        annual_volume=payload.annual_volume,
        cost_per_transaction=payload.cost_per_transaction,
        currency=payload.currency,
        channels=list(payload.channels),
        description=payload.description,
        problems=problems,
        kpis=kpis,
        shared_with=shared,
    )
    return Status(201, selectors.service_get(viewer=actor, pk=service.pk))


class ShareIn(InputSchema):
    organization_ids: list[ObjectId] = Field(..., description="Companies that may see the service")


@router.post(
    "/services/{service_id}/share", response=ServiceOut, summary="Share a service with vendors"
)
def share_service(request: HttpRequest, service_id: int, payload: ShareIn):
    actor = require_write(request)
    service = selectors.service_get(viewer=actor, pk=service_id)
    orgs = list(Organization.objects.filter(pk__in=payload.organization_ids))
    if len(orgs) != len(set(payload.organization_ids)):
        raise ValidationError({"organization_ids": "One or more organisations do not exist."})
    services.service_share(actor=actor, service=service, organizations=orgs)
    return selectors.service_get(viewer=actor, pk=service_id)


@router.get("/services/{service_id}", response=ServiceOut, summary="One service")
def get_service(request: HttpRequest, service_id: int):
    return selectors.service_get(viewer=principal(request), pk=service_id)


@router.get(
    "/services/{service_id}/iterations",
    response=list[IterationOut],
    summary="A service's iterations",
)
def list_iterations(request: HttpRequest, service_id: int):
    service = selectors.service_get(viewer=principal(request), pk=service_id)
    return list(service.iterations.order_by("number"))


@router.post(
    "/services/{service_id}/iterations", response={201: IterationOut}, summary="Plan an iteration"
)
def create_iteration(request: HttpRequest, service_id: int, payload: IterationIn):
    actor = require_write(request)
    service = selectors.service_get(viewer=actor, pk=service_id)
    return Status(201, services.iteration_create(actor=actor, service=service, **payload.dict()))


@router.get("/experiments", response=list[ExperimentOut], summary="Experiments")
@paginate(Pagination)
def list_experiments(
    request: HttpRequest, status: Literal["draft", "running", "stopped"] | None = None
):
    return selectors.experiment_list(viewer=principal(request), status=status)


@router.post("/experiments", response={201: ExperimentOut}, summary="Design an experiment")
def create_experiment(request: HttpRequest, payload: ExperimentIn):
    actor = require_write(request)
    iteration = selectors.iteration_get(viewer=actor, pk=payload.iteration_id)
    data = payload.dict(exclude={"iteration_id", "metrics", "variants"})
    experiment = services.experiment_create(
        actor=actor,
        iteration=iteration,
        metrics=_metrics(iteration.service.unit_id, payload.metrics),
        variants=[v.dict() for v in payload.variants],
        **data,
    )
    return Status(201, selectors.experiment_get(viewer=actor, pk=experiment.pk))


@router.get("/experiments/{experiment_id}", response=ExperimentOut, summary="One experiment")
def get_experiment(request: HttpRequest, experiment_id: int):
    return selectors.experiment_get(viewer=principal(request), pk=experiment_id)


@router.patch(
    "/experiments/{experiment_id}",
    response=ExperimentOut,
    summary="Change an experiment (a deviation once the plan is locked)",
)
def update_experiment(request: HttpRequest, experiment_id: int, payload: ExperimentPatch):
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    choices = data.pop("metrics", None)
    services.experiment_update(
        actor=actor,
        experiment=experiment,
        reason=reason,
        metrics=(
            _metrics(experiment.iteration.service.unit_id, payload.metrics)
            if choices is not None and payload.metrics is not None
            else None
        ),
        **{k: v for k, v in data.items() if v is not None},
    )
    return selectors.experiment_get(viewer=actor, pk=experiment_id)


@router.post(
    "/experiments/{experiment_id}/start",
    response=ExperimentOut,
    summary="Start: lock the pre-registered plan",
)
def start_experiment(request: HttpRequest, experiment_id: int):
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    services.experiment_start(actor=actor, experiment=experiment)
    return selectors.experiment_get(viewer=actor, pk=experiment_id)


@router.post(
    "/experiments/{experiment_id}/stop", response=ExperimentOut, summary="Stop collecting data"
)
def stop_experiment(request: HttpRequest, experiment_id: int):
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    services.experiment_stop(actor=actor, experiment=experiment)
    return selectors.experiment_get(viewer=actor, pk=experiment_id)


@router.post(
    "/experiments/{experiment_id}/site-observations",
    response={201: dict},
    summary="Record site outcomes (pilots, before/after, synthetic control)",
)
def record_sites(request: HttpRequest, experiment_id: int, payload: list[SiteObservationIn]):
    """All rows are checked before any is written (all or none). A row for a (site, period)
    already stored replaces it, so sending the same rows again counts nothing twice. Unit staff
    can also upload the rows as CSV on the experiment page (`/experiments/{id}/site-observations/`).
    """
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    count = services.site_observations_record(
        actor=actor, experiment=experiment, rows=[r.dict() for r in payload]
    )
    return Status(201, {"recorded": count})


@router.post(
    "/experiments/{experiment_id}/refresh",
    response={202: dict},
    summary="Recompute results in the background",
)
def refresh_results(request: HttpRequest, experiment_id: int):
    actor = require_write(request)
    experiment = selectors.experiment_get(viewer=actor, pk=experiment_id)
    services.experiment_refresh_enqueue(actor=actor, experiment=experiment)
    return Status(202, {"status": "queued"})


def _results(experiment: Experiment, snapshot: ResultSnapshot) -> dict:
    return {
        "experiment_id": experiment.pk,
        "snapshot_id": snapshot.pk,
        "computed_at": snapshot.computed_at,
        "ok": snapshot.ok,
        "error": snapshot.error,
        "warnings": snapshot.warnings,
        "maryland_sms": snapshot.maryland_sms,
        "nesta_level": snapshot.nesta_level,
        "payload": snapshot.payload,
        "deviations": list(experiment.deviations.all()),
    }


@router.get(
    "/experiments/{experiment_id}/results",
    response=ResultsOut,
    summary="The latest results snapshot",
)
def get_results(request: HttpRequest, experiment_id: int):
    """Per metric and variant: effect, interval (always-valid while running), chance to beat
    control; SRM and health warnings; the cumulative effect over time; the evidence level."""
    experiment = selectors.experiment_get(viewer=principal(request), pk=experiment_id)
    snapshot = selectors.snapshot_latest(experiment=experiment)
    if snapshot is None:
        from django.http import Http404

        raise Http404("No results yet")
    return _results(experiment, snapshot)


@router.post(
    "/experiments/{experiment_id}/power",
    response=dict,
    summary="Propose sample size and duration from the service's traffic",
)
def power(request: HttpRequest, experiment_id: int, payload: PowerIn):
    experiment = selectors.experiment_get(viewer=principal(request), pk=experiment_id)
    metric = Metric.objects.filter(
        pk=payload.metric_id, unit_id=experiment.iteration.service.unit_id
    ).first()
    if metric is None:
        raise ValidationError({"metric_id": "No metric with this id in the unit."})
    return services.power_proposal(
        service=experiment.iteration.service, metric=metric, **payload.dict(exclude={"metric_id"})
    )


@router.get(
    "/experiments/{key}/assignment",
    response=AssignmentOut,
    summary="The variant a unit sees (same function as the SDK)",
)
def assignment(request: HttpRequest, key: str, unit_id: str, organization_id: int | None = None):
    """`civicloop.analytics.assignment.assign` on the experiment's configuration: no database
    write, deterministic. A draft or stopped experiment assigns nobody. Keys are unique per
    organisation: the key is looked up among your organisation's experiments (a person in
    several units may name one with `organization_id`)."""
    experiment = selectors.experiment_get_by_key(
        viewer=principal(request), key=key, organization_id=organization_id
    )
    if not experiment.is_randomised:
        raise ValidationError({"key": "Only randomised experiments assign units."})
    if not unit_id:
        raise ValidationError({"unit_id": "Give the unit id."})
    result = None
    if experiment.status == ExperimentStatus.RUNNING:
        result = assign(services._config(experiment), unit_id)
    return {
        "experiment": key,
        "unit_id": unit_id,
        "variant": result.variant if result else None,
        "bucket": result.bucket if result else None,
        "in_experiment": result is not None,
    }


@router.post(
    "/iterations/{iteration_id}/decision",
    response={201: DecisionOut},
    summary="Decide an iteration: iterate, pivot, scale or stop",
)
def decide(request: HttpRequest, iteration_id: int, payload: DecisionIn):
    actor = require_write(request)
    iteration = selectors.iteration_get(viewer=actor, pk=iteration_id)
    cited = selectors.snapshot_list(viewer=actor, ids=payload.cited_result_ids)
    if len(cited) != len(set(payload.cited_result_ids)):
        raise ValidationError({"cited_result_ids": "One or more results do not exist."})
    return Status(
        201,
        services.decision_record(
            actor=actor,
            iteration=iteration,
            kind=payload.kind,
            rationale=payload.rationale,
            cited_results=cited,
            stop_reason=payload.stop_reason,
        ),
    )


class IterationPatch(PatchSchema):
    reason: str = Field("", description="Required to change a pre-registered hypothesis")
    title: str | None = None
    what_changes: str | None = None
    hypothesis_change: str | None = None
    hypothesis_metric: str | None = None
    hypothesis_group: str | None = None
    hypothesis_effect: str | None = None
    hypothesis_because: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    evaluation_plan: str | None = None


@router.get("/iterations/{iteration_id}", response=IterationOut, summary="One iteration")
def get_iteration(request: HttpRequest, iteration_id: int):
    return selectors.iteration_get(viewer=principal(request), pk=iteration_id)


@router.patch(
    "/iterations/{iteration_id}",
    response=IterationOut,
    summary="Change an iteration (hypothesis changes after a start are deviations)",
)
def update_iteration(request: HttpRequest, iteration_id: int, payload: IterationPatch):
    actor = require_write(request)
    iteration = selectors.iteration_get(viewer=actor, pk=iteration_id)
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    return services.iteration_update(
        actor=actor,
        iteration=iteration,
        reason=reason,
        **{k: v for k, v in data.items() if v is not None},
    )


@router.get(
    "/iterations/{iteration_id}/decision", response=DecisionOut, summary="An iteration's decision"
)
def get_decision(request: HttpRequest, iteration_id: int):
    iteration = selectors.iteration_get(viewer=principal(request), pk=iteration_id)
    decision = selectors.decision_for(iteration=iteration)
    if decision is None:
        from django.http import Http404

        raise Http404("Not decided yet")
    return decision
