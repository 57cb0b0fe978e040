"""Reads of replication plans and their Monte Carlo projection."""

from __future__ import annotations

from django.db.models import QuerySet

from civicloop.core.permissions import Ability, Principal, require
from civicloop.scaling.models import (
    ReplicationPlan,
)
from civicloop.scaling.projection import (
    Projection,
    Site,
    project,
)
from civicloop.scaling.selectors._common import one_or_404, problem_scope


def plan_list(*, viewer: Principal, problem_id: int | None = None) -> QuerySet[ReplicationPlan]:
    qs = ReplicationPlan.objects.filter(problem_scope(viewer)).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs


def plan_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> ReplicationPlan:
    return one_or_404(
        ReplicationPlan.objects.filter(problem_scope(viewer, ability)).select_related(
            "problem", "effect"
        ),
        pk,
    )


def plan_projection(*, viewer: Principal, plan: ReplicationPlan) -> Projection | None:
    """Monte Carlo projection over the plan's candidates (None until there is one)."""
    require(viewer, Ability.VIEW_PORTFOLIO, plan.problem)
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
