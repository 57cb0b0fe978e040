"""API of experiments: list, design, read, change (deviations once locked), start and stop."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from civicloop.analytics import selectors as analytics_selectors
from civicloop.analytics.models import Metric
from civicloop.core.http import InputSchema, Pagination, PatchSchema, principal, require_write
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router
from civicloop.experiments.models import Experiment

DesignName = Literal["ab", "rollout", "did", "staggered", "its", "synth"]


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
    analysed_in_warehouse: bool | None = Field(
        None, description="Refresh in the unit's warehouse instead of the embedded store"
    )


class ExperimentVariantOut(Schema):
    key: str
    weight: int


class ExperimentMetricOut(Schema):
    metric_id: int
    key: str
    role: str
    non_inferiority_margin: float | None


class ExperimentOut(Schema):
    id: int
    iteration_id: int
    service_id: int = Field(..., alias="iteration.service_id")
    key: str
    title: str
    design: str
    status: str
    variants: list[ExperimentVariantOut]
    control_variant: str
    traffic_bp: int
    alpha: float
    analysis_plan: str
    planned_days: int
    intervention_date: date | None
    started_at: datetime | None
    stopped_at: datetime | None
    locked_at: datetime | None
    locked_plan: dict[str, Any] | None = Field(
        ..., description="The pre-registered plan, as locked at the start"
    )
    metrics: list[ExperimentMetricOut]
    analysed_in_warehouse: bool

    @staticmethod
    def resolve_metrics(obj: Experiment) -> list[dict[str, Any]]:
        return [
            {
                "metric_id": link.metric_id,
                "key": link.metric.key,
                "role": link.role,
                "non_inferiority_margin": link.non_inferiority_margin,
            }
            for link in obj.metric_links.all()
        ]


def _metrics(unit_id: int, choices: list[MetricChoice]) -> list[tuple[Metric, str, float | None]]:
    out: list[tuple[Metric, str, float | None]] = []
    for c in choices:
        metric = analytics_selectors.metric_for_unit(unit_id=unit_id, pk=c.metric_id)
        if metric is None:
            raise ValidationError(
                {"metrics": _("No metric %(metric_id)s in this unit.") % {"metric_id": c.metric_id}}
            )
        out.append((metric, c.role, c.non_inferiority_margin))
    return out


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
