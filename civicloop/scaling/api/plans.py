"""Scaling API: replication plans, candidates and projections."""

from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.core.permissions import Ability
from civicloop.evidence.selectors import effect_estimate_list
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors, services
from civicloop.scaling.api._common import jurisdiction_for_edit

router = Router()


class PlanIn(InputSchema):
    """One of `effect_id` (a recorded effect), `measured_effect` (an experiment's result, from
    GET …/measured-effects) or `benefit` ± `benefit_std_error` (in `effect_unit`)."""

    title: str = Field(..., min_length=1, max_length=200)
    effect_id: ObjectId | None = None
    measured_effect: str | None = Field(
        None,
        description="`choice` of one of GET /scaling/problems/{problem_id}/measured-effects: "
        "its effect and standard error are copied.",
    )
    benefit: float | None = Field(
        None, description="The effect per transaction in `effect_unit`, positive = better."
    )
    benefit_std_error: float | None = Field(None, ge=0, description="In `effect_unit`.")
    effect_unit: str = Field(
        "", max_length=30, description="The unit of `benefit` (a chosen effect brings its own)."
    )
    outcome_scale: float = Field(
        1.0, gt=0, description="Outcome units per unit of the effect (0.01 turns pp into a share)."
    )
    tau: float = Field(
        ...,
        ge=0,
        description="Between-site standard deviation of the effect, in the effect's unit (like "
        "the effect; at most 5 × the larger of the effect's size and its standard error).",
    )
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
    experiment_id: int | None = Field(..., description="The experiment the effect was picked from.")
    effect_source: str = Field(..., description="Where the effect's figures come from.")
    effect_unit: str = Field(..., description="The unit of the effect and of `tau_in_effect_unit`.")
    effect_estimate: float = Field(
        ..., description="The effect, in `effect_unit`, positive = better."
    )
    effect_std_error: float = Field(..., description="In `effect_unit`.")
    outcome_scale: float = Field(..., description="Outcome units per unit of the effect.")
    tau_in_effect_unit: float = Field(..., description="τ as entered, in `effect_unit`.")
    benefit: float = Field(..., description="The effect × `outcome_scale`, in outcome units.")
    benefit_std_error: float = Field(..., description="In outcome units.")
    tau: float = Field(..., description="τ × `outcome_scale`, in outcome units (as simulated).")
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
    value_per_outcome_unit: Decimal = Field(
        ..., ge=0, description="Money per outcome unit at this site, in the plan's currency."
    )
    context_similarity: float = Field(..., ge=0, le=1)
    one_off_cost: Decimal = Field(..., ge=0, description="In the plan's currency (0 if none).")
    annual_running_cost: Decimal = Field(
        ..., ge=0, description="In the plan's currency per year (0 if none)."
    )


class CandidateAddedOut(Schema):
    id: int
    name: str


class SiteProjectionOut(Schema):
    name: str
    mean_savings: float = Field(..., description="Mean annual savings, in the plan's currency.")
    low: float = Field(..., description="2.5th percentile of annual savings (currency).")
    high: float = Field(..., description="97.5th percentile of annual savings (currency).")
    probability_positive: float = Field(..., description="P(annual savings > 0), 0-1.")
    tau: float = Field(
        ...,
        description="The site's heterogeneity τ, in the benefit's unit (widened for "
        "sites less similar to the original).",
    )


class ProjectionTotalOut(Schema):
    mean: float = Field(..., description="Mean annual savings of all sites (currency).")
    low: float = Field(..., description="2.5th percentile (currency per year).")
    high: float = Field(..., description="97.5th percentile (currency per year).")
    sd: float = Field(..., description="Standard deviation of the draws (currency per year).")
    analytic_mean: float = Field(..., description="Closed-form mean, to check the simulation.")
    analytic_sd: float = Field(..., description="Closed-form standard deviation.")


class NetBenefitOut(Schema):
    mean: float = Field(
        ...,
        description="Savings less running costs over the horizon, less one-off costs (currency).",
    )
    low: float = Field(..., description="2.5th percentile (currency).")
    high: float = Field(..., description="97.5th percentile (currency).")


class ProjectionOut(Schema):
    sites: list[SiteProjectionOut]
    total: ProjectionTotalOut
    one_off_cost: float = Field(..., description="Sum of the sites' one-off costs (currency).")
    annual_running_cost: float = Field(..., description="Currency per year, all sites.")
    horizon_years: int
    net_benefit: NetBenefitOut
    probability_net_positive: float = Field(
        ..., description="P(net benefit over the horizon > 0), 0-1."
    )
    break_even_years: float | None = Field(
        ...,
        description="Years until cumulative net savings cover the one-off cost, at mean "
        "savings; null when net annual savings are not positive.",
    )
    break_even_effect: float | None = Field(
        ..., description="Effect per transaction (benefit's unit) at which the horizon breaks even."
    )
    draws: int = Field(..., description="Monte Carlo draws.")
    seed: int = Field(..., description="Random seed (the same seed gives the same figures).")


class PlanProjectionOut(Schema):
    """Monte Carlo projection of impact and savings over the plan's candidate sites."""

    plan_id: int
    currency: str = Field(..., description="ISO 4217 code of every amount.")
    benefit: float = Field(
        ...,
        description="Benefit per transaction (the effect, signed so that positive is "
        "better, times the outcome scale).",
    )
    benefit_std_error: float = Field(..., description="Standard error of `benefit`.")
    tau: float = Field(..., description="Between-site heterogeneity τ, in the benefit's unit.")
    effect_unit: str = Field(..., description="The unit of the effect before `outcome_scale`.")
    outcome_scale: float = Field(..., description="Outcome units per unit of the effect.")
    projection: ProjectionOut | None = Field(..., description="Null until a candidate is added.")


@router.get("/scaling/plans", response=list[PlanOut])
@paginate(Pagination)
def list_replication_plans(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.plan_list(viewer=principal(request), problem_id=problem_id)


@router.post("/scaling/problems/{problem_id}/plans", response={201: PlanOut})
def create_replication_plan(request: HttpRequest, problem_id: int, payload: PlanIn):
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=problem_id, ability=Ability.EDIT_SCALING
    )
    data = payload.dict()
    effect_id = data.pop("effect_id")
    choice = data.pop("measured_effect")
    if choice is not None:
        data["measured"] = selectors.measured_effect_get(
            viewer=actor, unit_id=problem.unit_id, choice=choice
        )
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


class MeasuredEffectOut(Schema):
    choice: str = Field(..., description="Pass as `measured_effect` to create a plan from it.")
    experiment_id: int
    experiment_key: str
    metric_key: str
    variant: str
    outcome: str
    unit: str = Field(..., description="The metric's unit (empty when it has none).")
    estimate: float = Field(..., description="Treatment minus control, in `unit`.")
    std_error: float = Field(..., description="From the 95% interval, in `unit`.")
    ci_low: float = Field(..., description="Lower end of the 95% interval, in `unit`.")
    ci_high: float = Field(..., description="Upper end of the 95% interval, in `unit`.")
    lower_is_better: bool
    source: str


@router.get("/scaling/problems/{problem_id}/measured-effects", response=list[MeasuredEffectOut])
def list_measured_effects(request: HttpRequest, problem_id: int):
    """Effects measured by the problem's unit's experiments (latest results), to plan from."""
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=problem_id)
    return [
        {**m.__dict__, "choice": m.choice}
        for m in selectors.measured_effect_list(viewer=viewer, unit_id=problem.unit_id)
    ]


@router.post("/scaling/plans/{pk}/candidates", response={201: CandidateAddedOut})
def add_replication_candidate(request: HttpRequest, pk: int, payload: CandidateIn):
    actor = require_write(request)
    plan = selectors.plan_get(viewer=actor, pk=pk, ability=Ability.EDIT_SCALING)
    data = payload.dict()
    org = jurisdiction_for_edit(actor, data.pop("organization_id"))
    row = services.replication_candidate_add(actor=actor, plan=plan, organization=org, **data)
    return Status(201, {"id": row.pk, "name": row.name})


@router.get("/scaling/plans/{pk}/projection", response=PlanProjectionOut)
def project_replication(request: HttpRequest, pk: int):
    """Monte Carlo projection of impact and savings over the plan's candidates."""
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk)
    result = selectors.plan_projection(viewer=viewer, plan=plan)
    return {
        "plan_id": plan.pk,
        "currency": plan.currency,
        "benefit": plan.benefit,
        "benefit_std_error": plan.benefit_std_error,
        "tau": plan.tau,
        "effect_unit": plan.effect_unit,
        "outcome_scale": plan.outcome_scale,
        "projection": result.to_dict() if result else None,
    }
