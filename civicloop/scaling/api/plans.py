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
        "projection": result.to_dict() if result else None,
    }
