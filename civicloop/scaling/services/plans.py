"""Replication plans: a scale-up from an effect and a heterogeneity assumption, and the
candidate sites."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.evidence.models import EffectEstimate
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    ReplicationCandidate,
    ReplicationPlan,
)


@transaction.atomic
def replication_plan_create(
    *,
    actor: Principal,
    problem: Problem,
    title: str,
    tau: float,
    effect: EffectEstimate | None = None,
    benefit: float | None = None,
    benefit_std_error: float | None = None,
    outcome_scale: float = 1.0,
    horizon_years: int = 5,
    draws: int = 20_000,
    seed: int = 20261126,
    has_replication_manual: bool = False,
    currency: str = "EUR",
) -> ReplicationPlan:
    """Plan a scale-up from an effect (recorded, or given as benefit ± SE) and a τ assumption."""
    require(actor, Ability.EDIT_SCALING, problem)
    errors: dict[str, str] = {}
    if effect is not None:
        if effect.problem_id != problem.pk:
            errors["effect"] = "The effect must belong to this problem."
        benefit = (-effect.estimate if effect.lower_is_better else effect.estimate) * outcome_scale
        benefit_std_error = effect.std_error * outcome_scale
    if benefit is None or benefit_std_error is None or benefit_std_error < 0:
        errors["benefit"] = "Give an effect, or a benefit with a non-negative standard error."
    if tau is None or tau < 0:
        errors["tau"] = "Heterogeneity τ must be zero or more."
    if not 1 <= horizon_years <= 30:
        errors["horizon_years"] = "The horizon must be 1 to 30 years."
    if not 1000 <= draws <= 200_000:
        errors["draws"] = "Draws must be between 1,000 and 200,000."
    if not title.strip():
        errors["title"] = "Give the plan a title."
    if errors:
        raise ValidationError(errors)
    # Both were checked above: a missing benefit or standard error is an error.
    benefit, benefit_std_error = cast(float, benefit), cast(float, benefit_std_error)
    plan = ReplicationPlan.objects.create(
        problem=problem,
        title=title.strip(),
        effect=effect,
        benefit=benefit,
        benefit_std_error=benefit_std_error,
        tau=tau,
        horizon_years=horizon_years,
        draws=draws,
        seed=seed,
        has_replication_manual=has_replication_manual,
        currency=currency,
        created_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.PLAN_CREATED,
        obj=plan,
        organization=problem.unit_id,
        after=model_snapshot(plan),
    )
    return plan


@transaction.atomic
def replication_candidate_add(
    *,
    actor: Principal,
    plan: ReplicationPlan,
    name: str,
    annual_volume: int,
    cost_per_transaction: Decimal,
    context_similarity: float,
    value_per_outcome_unit: Decimal = Decimal(1),
    organization: Organization | None = None,
    population: int | None = None,
    one_off_cost: Decimal = Decimal(0),
    annual_running_cost: Decimal = Decimal(0),
) -> ReplicationCandidate:
    """Add a jurisdiction or agency where the intervention could be replicated."""
    require(actor, Ability.EDIT_SCALING, plan.problem)
    errors: dict[str, str] = {}
    if not 0 <= context_similarity <= 1:
        errors["context_similarity"] = "Context similarity must be between 0 and 1."
    if annual_volume is None or annual_volume < 0:
        errors["annual_volume"] = "Annual volume must be zero or more."
    if cost_per_transaction < 0 or one_off_cost < 0 or annual_running_cost < 0:
        errors["cost_per_transaction"] = "Costs must be zero or more."
    if organization is not None and organization.unit_id != plan.problem.unit_id:
        errors["organization"] = "Choose a jurisdiction or agency your unit works with."
    if plan.candidates.filter(name=name).exists():
        errors["name"] = "This plan already has a candidate of that name."
    if errors:
        raise ValidationError(errors)
    row = ReplicationCandidate.objects.create(
        plan=plan,
        name=name,
        annual_volume=annual_volume,
        cost_per_transaction=cost_per_transaction,
        context_similarity=context_similarity,
        value_per_outcome_unit=value_per_outcome_unit,
        organization=organization,
        population=population
        if population is not None
        else getattr(organization, "population", None),
        one_off_cost=one_off_cost,
        annual_running_cost=annual_running_cost,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.CANDIDATE_ADDED,
        obj=row,
        organization=plan.problem.unit_id,
        after=model_snapshot(row),
    )
    return row
