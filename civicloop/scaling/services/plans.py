"""Replication plans: a scale-up from an effect and a heterogeneity assumption, and the
candidate sites."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
from civicloop.scaling.selectors.measured import MeasuredEffect
from civicloop.web import numbers

# τ larger than this many times the effect (or its standard error, if larger) would flip the
# effect's sign at most sites: far more often a τ typed on another scale than a real belief.
TAU_LIMIT = 5.0


@dataclass(frozen=True)
class _Effect:
    """The effect to project, in its own unit, signed so that positive is good."""

    estimate: float | None
    std_error: float | None
    unit: str
    source: str


def _effect_to_project(
    *,
    problem: Problem,
    effect: EffectEstimate | None,
    measured: MeasuredEffect | None,
    benefit: float | None,
    benefit_std_error: float | None,
    effect_unit: str,
    errors: dict[str, str],
) -> _Effect:
    if effect is not None:
        if effect.problem_id != problem.pk:
            errors["effect"] = _("The effect must belong to this problem.")
        signed = -effect.estimate if effect.lower_is_better else effect.estimate
        return _Effect(signed, effect.std_error, effect.unit, effect.source)
    if measured is not None:
        if measured.unit_id != problem.unit_id:
            errors["effect"] = _("The experiment must belong to this problem's unit.")
        signed = -measured.estimate if measured.lower_is_better else measured.estimate
        return _Effect(signed, measured.std_error, measured.unit, measured.source)
    return _Effect(benefit, benefit_std_error, effect_unit, "")


def _check_tau(tau: float | None, chosen: _Effect, errors: dict[str, str]) -> None:
    if tau is None or tau < 0:
        errors["tau"] = _("Heterogeneity τ must be zero or more.")
        return
    if chosen.estimate is None or chosen.std_error is None:
        return
    limit = TAU_LIMIT * max(abs(chosen.estimate), chosen.std_error)
    if tau > limit:
        errors["tau"] = _(
            "τ is in %(unit)s, the effect's unit, and must be at most %(times)s × the larger of "
            "the effect's size and its standard error: %(limit)s %(unit)s here (effect "
            "%(effect)s ± %(se)s %(unit)s). Enter τ on the effect's scale."
        ) % {
            "unit": chosen.unit or _("the effect's unit"),
            "times": numbers.significant(TAU_LIMIT, 3),
            "limit": numbers.significant(limit, 4),
            "effect": numbers.significant(chosen.estimate, 4, sign=True),
            "se": numbers.significant(chosen.std_error, 4),
        }


def _check_plan(
    *,
    chosen: _Effect,
    tau: float,
    outcome_scale: float,
    horizon_years: int,
    draws: int,
    title: str,
    errors: dict[str, str],
) -> None:
    """Raise a `ValidationError` naming every input of a plan that is wrong."""
    if chosen.estimate is None or chosen.std_error is None or chosen.std_error < 0:
        errors["benefit"] = _("Give an effect, or a benefit with a non-negative standard error.")
    if outcome_scale is None or outcome_scale <= 0:
        errors["outcome_scale"] = _("The outcome scale must be greater than zero.")
    _check_tau(tau, chosen, errors)
    if not 1 <= horizon_years <= 30:
        errors["horizon_years"] = _("The horizon must be 1 to 30 years.")
    if not 1000 <= draws <= 200_000:
        errors["draws"] = _("Draws must be between %(low)s and %(high)s.") % {
            "low": numbers.number(1000),
            "high": numbers.number(200_000),
        }
    if not title.strip():
        errors["title"] = _("Give the plan a title.")
    if errors:
        raise ValidationError(errors)


def _scaled(chosen: _Effect, tau: float, outcome_scale: float) -> dict[str, object]:
    """The plan's figures in outcome units, which a candidate's value per outcome unit prices;
    the effect's unit and source kept beside them. The effect was checked: it is there."""
    return {
        "effect_source": chosen.source,
        "effect_unit": chosen.unit,
        "outcome_scale": outcome_scale,
        "benefit": cast(float, chosen.estimate) * outcome_scale,
        "benefit_std_error": cast(float, chosen.std_error) * outcome_scale,
        "tau": tau * outcome_scale,
    }


@transaction.atomic
def replication_plan_create(
    *,
    actor: Principal,
    problem: Problem,
    title: str,
    tau: float,
    effect: EffectEstimate | None = None,
    measured: MeasuredEffect | None = None,
    benefit: float | None = None,
    benefit_std_error: float | None = None,
    effect_unit: str = "",
    outcome_scale: float = 1.0,
    horizon_years: int = 5,
    draws: int = 20_000,
    seed: int = 20261126,
    has_replication_manual: bool = False,
    currency: str = "EUR",
) -> ReplicationPlan:
    """Plan a scale-up from an effect and τ, both in the effect's unit (see `_scaled`)."""
    require(actor, Ability.EDIT_SCALING, problem)
    errors: dict[str, str] = {}
    chosen = _effect_to_project(
        problem=problem,
        effect=effect,
        measured=measured,
        benefit=benefit,
        benefit_std_error=benefit_std_error,
        effect_unit=effect_unit,
        errors=errors,
    )
    _check_plan(
        chosen=chosen,
        tau=tau,
        outcome_scale=outcome_scale,
        horizon_years=horizon_years,
        draws=draws,
        title=title,
        errors=errors,
    )
    plan = ReplicationPlan.objects.create(
        problem=problem,
        title=title.strip(),
        effect=effect,
        experiment_id=measured.experiment_id if measured is not None else None,
        **_scaled(chosen, tau, outcome_scale),
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
    value_per_outcome_unit: Decimal,
    organization: Organization | None = None,
    population: int | None = None,
    one_off_cost: Decimal = Decimal(0),
    annual_running_cost: Decimal = Decimal(0),
) -> ReplicationCandidate:
    """Add a jurisdiction or agency where the intervention could be replicated."""
    require(actor, Ability.EDIT_SCALING, plan.problem)
    errors: dict[str, str] = {}
    if not 0 <= context_similarity <= 1:
        errors["context_similarity"] = _("Context similarity must be between 0 and 1.")
    if annual_volume is None or annual_volume < 0:
        errors["annual_volume"] = _("Annual volume must be zero or more.")
    if value_per_outcome_unit is None or value_per_outcome_unit < 0:
        errors["value_per_outcome_unit"] = _(
            "Enter the money value of one outcome unit at this candidate (zero or more)."
        )
    if cost_per_transaction < 0 or one_off_cost < 0 or annual_running_cost < 0:
        errors["cost_per_transaction"] = _("Costs must be zero or more.")
    if organization is not None and organization.unit_id != plan.problem.unit_id:
        errors["organization"] = _("Choose a jurisdiction or agency your unit works with.")
    if plan.candidates.filter(name=name).exists():
        errors["name"] = _("This plan already has a candidate of that name.")
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
