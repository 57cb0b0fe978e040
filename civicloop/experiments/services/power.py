"""Power: the sample size and duration an experiment needs at its service's traffic, and what
its planned duration can detect."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicloop.analytics.models import Metric
from civicloop.experiments.models import (
    Service,
)
from civicloop.stats import StatsInputError, power_means, power_proportions


def power_proposal(
    *,
    service: Service,
    metric: Metric,
    baseline: float,
    mde_rel: float,
    sd: float | None = None,
    variants: int = 2,
    alpha: float = 0.05,
    power: float = 0.8,
    traffic_share: float = 1.0,
    planned_days: int | None = None,
) -> dict[str, Any]:
    """Sample size per variant and days needed at the service's daily traffic.

    With ``planned_days`` (the experiment's plan) it also says whether the plan is shorter
    than the days needed (``plan_too_short``) and the smallest effect the planned days can
    detect with the same power (``plan_mde_abs``, ``plan_mde_rel``; None when the planned
    traffic cannot detect any effect).
    """
    daily = service.daily_volume * traffic_share
    common: dict[str, Any] = dict(alpha=alpha, power=power, daily_units=daily, groups=variants)
    try:
        if metric.stats_type == "proportion":
            result = power_proportions(baseline_rate=baseline, mde_rel=mde_rel, **common)
        else:
            if sd is None:
                raise ValidationError({"sd": _("Give the standard deviation of the metric.")})
            result = power_means(baseline_mean=baseline, baseline_sd=sd, mde_rel=mde_rel, **common)
    except StatsInputError as error:
        raise ValidationError({"baseline": str(error)}) from error
    out = result.to_dict()
    if planned_days is not None and result.days is not None:
        out.update(_planned(metric, baseline, sd, planned_days, daily, common))
        out["plan_too_short"] = planned_days < result.days
    return out


def _planned(
    metric: Metric,
    baseline: float,
    sd: float | None,
    planned_days: int,
    daily: float,
    common: dict[str, Any],
) -> dict[str, Any]:
    """The smallest effect the planned days can detect at the same alpha and power."""
    n_plan = math.floor(planned_days * daily / common["groups"])
    out: dict[str, Any] = {
        "planned_days": planned_days,
        "plan_n_per_group": n_plan,
        "plan_mde_abs": None,
        "plan_mde_rel": None,
    }
    if n_plan < 2:
        return out
    try:
        if metric.stats_type == "proportion":
            at_plan = power_proportions(baseline_rate=baseline, n_per_group=n_plan, **common)
        else:
            at_plan = power_means(
                baseline_mean=baseline, baseline_sd=sd or 0.0, n_per_group=n_plan, **common
            )
    except StatsInputError:
        return out
    out["plan_mde_abs"] = at_plan.mde_abs
    out["plan_mde_rel"] = at_plan.mde_rel if baseline else None
    return out
