"""API of power: the sample size and duration an experiment needs at its service's traffic."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema

from civicloop.analytics import selectors as analytics_selectors
from civicloop.core.http import InputSchema, principal
from civicloop.experiments import selectors, services
from civicloop.experiments.api._router import router


class PowerIn(InputSchema):
    metric_id: int
    baseline: float
    mde_rel: float = Field(..., gt=0)
    sd: float | None = Field(None, gt=0)
    variants: int = Field(2, ge=2)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0, lt=1)
    traffic_share: float = Field(1.0, gt=0, le=1)


class PlanningGradeOut(Schema):
    maryland_sms: int | None
    nesta_level: int | None
    reasons: list[str]


class PowerOut(Schema):
    metric_type: str
    n_per_group: int = Field(..., description="Units needed per variant")
    n_per_group_exact: float | None
    n_total: int
    mde_abs: float | None
    mde_rel: float | None
    baseline: float | None
    sd: float | None
    alpha: float
    power: float
    groups: int
    daily_units: float | None
    days: int | None = Field(
        None, description="Days at the service's daily traffic (left out when it is unknown)"
    )
    evidence: PlanningGradeOut
    planned_days: int | None = Field(
        None, description="The experiment's planned duration in days (when days are known)"
    )
    plan_too_short: bool | None = Field(
        None, description="True when the planned duration is shorter than the days needed"
    )
    plan_n_per_group: int | None = Field(
        None, description="Units per variant the planned duration brings at current traffic"
    )
    plan_mde_abs: float | None = Field(
        None,
        description="Smallest absolute effect the planned duration detects at this alpha and "
        "power (a rate difference 0-1 for proportions); null when it detects none",
    )
    plan_mde_rel: float | None = Field(None, description="The same as a fraction of the baseline")


@router.post(
    "/experiments/{experiment_id}/power",
    response=PowerOut,
    exclude_unset=True,
    summary="Propose sample size and duration from the service's traffic",
    description="Sample size per variant and days at the service's traffic; compared with "
    "the experiment's planned duration (plan_too_short, and the smallest effect the planned "
    "days can detect).",
)
def estimate_power(request: HttpRequest, experiment_id: int, payload: PowerIn):
    experiment = selectors.experiment_get(viewer=principal(request), pk=experiment_id)
    metric = analytics_selectors.metric_for_unit(
        unit_id=experiment.iteration.service.unit_id, pk=payload.metric_id
    )
    if metric is None:
        raise ValidationError({"metric_id": _("No metric with this id in the unit.")})
    return services.power_proposal(
        service=experiment.iteration.service,
        metric=metric,
        planned_days=experiment.planned_days,
        **payload.dict(exclude={"metric_id"}),
    )
