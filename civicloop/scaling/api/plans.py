"""Scaling API: replication plans, candidates and projections."""

from decimal import Decimal
from typing import Any

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

router = Router(tags=["scaling"])


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
    org = jurisdiction_for_edit(actor, data.pop("organization_id"))
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
