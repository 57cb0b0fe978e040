"""Power: the sample size and duration an experiment needs at its service's traffic."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

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
) -> dict[str, Any]:
    """Sample size per variant and days needed at the service's daily traffic."""
    daily = service.daily_volume * traffic_share
    try:
        if metric.stats_type == "proportion":
            result = power_proportions(
                baseline_rate=baseline,
                mde_rel=mde_rel,
                alpha=alpha,
                power=power,
                daily_units=daily,
                groups=variants,
            )
        else:
            if sd is None:
                raise ValidationError({"sd": "Give the standard deviation of the metric."})
            result = power_means(
                baseline_mean=baseline,
                baseline_sd=sd,
                mde_rel=mde_rel,
                alpha=alpha,
                power=power,
                daily_units=daily,
                groups=variants,
            )
    except StatsInputError as error:
        raise ValidationError({"baseline": str(error)}) from error
    return result.to_dict()
