"""Shared result types and small numerical helpers for the stats package."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special


class StatsInputError(ValueError):
    """Input that cannot be analysed; the message names the problem in one line."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its standard error, two-sided interval and p-value.

    Any field may be ``nan`` when it is undefined for the method (for example a synthetic
    control has no standard error); ``to_dict`` turns non-finite numbers into ``None``.
    """

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "estimate": finite_or_none(self.estimate),
            "std_error": finite_or_none(self.std_error),
            "ci_low": finite_or_none(self.ci_low),
            "ci_high": finite_or_none(self.ci_high),
            "p_value": finite_or_none(self.p_value),
        }


def finite_or_none(value: Any) -> Any:
    """Return ``value`` as a plain float, or ``None`` when it is NaN or infinite."""
    if value is None:
        return None
    if isinstance(value, bool | int | np.integer):
        return int(value) if not isinstance(value, bool) else value
    number = float(value)
    return number if math.isfinite(number) else None


def z_quantile(p: float) -> float:
    """Standard normal quantile (``scipy.special.ndtri``, fast on scalars)."""
    return float(special.ndtri(p))


def normal_estimate(
    estimate: float, std_error: float, *, alpha: float, null: float = 0.0
) -> Estimate:
    """Wald estimate with a normal reference distribution."""
    if not std_error > 0 or not math.isfinite(std_error):
        return Estimate(estimate, std_error, math.nan, math.nan, math.nan)
    z = z_quantile(1 - alpha / 2)
    stat = (estimate - null) / std_error
    p_value = float(2 * special.ndtr(-abs(stat)))
    return Estimate(
        estimate, std_error, estimate - z * std_error, estimate + z * std_error, p_value
    )


def t_estimate(
    estimate: float, std_error: float, *, df: float, alpha: float, null: float = 0.0
) -> Estimate:
    """Wald estimate with a Student t reference distribution on ``df`` degrees of freedom."""
    if not std_error > 0 or not math.isfinite(std_error) or not df > 0:
        return Estimate(estimate, std_error, math.nan, math.nan, math.nan)
    q = float(special.stdtrit(df, 1 - alpha / 2))
    stat = (estimate - null) / std_error
    p_value = float(2 * special.stdtr(df, -abs(stat)))
    return Estimate(
        estimate, std_error, estimate - q * std_error, estimate + q * std_error, p_value
    )


def check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise StatsInputError(f"alpha must be between 0 and 1, got {alpha}")
