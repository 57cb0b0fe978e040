"""Spending efficiency from a causal effect: savings, cost per unit of outcome, payback.

Pure (no Django): plain floats in, frozen dataclasses out, so the formulas are tested alone.

Annualised savings S = V × b × v, where V is the annual volume of transactions, b the benefit
per transaction in outcome units (the effect, signed so that positive is good) and v the money
value of one outcome unit (1 when the effect is already money per transaction). With V and b
independent and uncertain, the delta method gives

    Var(S) ≈ v² (V² σ_b² + b² σ_V²)

and the exact variance of a product of independent variables adds v² σ_V² σ_b² (Goodman 1960,
"On the exact variance of products", JASA 55:708). We report the exact variance; the interval
is S ± z σ_S. When V is known exactly (σ_V = 0) the interval is exact for a normal effect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special


def _z(alpha: float) -> float:
    return float(special.ndtri(1 - alpha / 2))


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    std_error: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            k: (v if math.isfinite(v) else None)
            for k, v in (
                ("estimate", self.estimate),
                ("std_error", self.std_error),
                ("low", self.low),
                ("high", self.high),
            )
        }


def savings_interval(
    *,
    annual_volume: float,
    benefit_per_transaction: float,
    benefit_std_error: float,
    value_per_unit: float = 1.0,
    volume_std_error: float = 0.0,
    alpha: float = 0.05,
) -> Interval:
    """Annual savings V × b × v with a normal interval (delta method, exact product variance)."""
    if annual_volume < 0 or benefit_std_error < 0 or volume_std_error < 0:
        raise ValueError("volume and standard errors must not be negative")
    estimate = annual_volume * benefit_per_transaction * value_per_unit
    variance = value_per_unit**2 * (
        annual_volume**2 * benefit_std_error**2
        + benefit_per_transaction**2 * volume_std_error**2
        + volume_std_error**2 * benefit_std_error**2
    )
    se = math.sqrt(variance)
    z = _z(alpha)
    return Interval(estimate, se, estimate - z * se, estimate + z * se)


@dataclass(frozen=True, slots=True)
class Efficiency:
    """Spending efficiency of one service; money in the service's currency, per year."""

    cost_per_transaction_before: float
    cost_per_transaction_after: float
    savings: Interval
    one_off_cost: float
    annual_running_cost: float
    net_annual_savings: Interval
    cost_per_outcome_unit: float | None  # intervention cost (first year) per outcome unit gained
    outcome_units_per_year: float
    payback_years: float | None  # point estimate; None when net savings are not positive
    payback_years_range: tuple[float | None, float | None]  # from the savings interval

    def to_dict(self) -> dict[str, object]:
        return {
            "cost_per_transaction_before": self.cost_per_transaction_before,
            "cost_per_transaction_after": self.cost_per_transaction_after,
            "annual_savings": self.savings.to_dict(),
            "one_off_cost": self.one_off_cost,
            "annual_running_cost": self.annual_running_cost,
            "net_annual_savings": self.net_annual_savings.to_dict(),
            "cost_per_outcome_unit": self.cost_per_outcome_unit,
            "outcome_units_per_year": self.outcome_units_per_year,
            "payback_years": self.payback_years,
            "payback_years_range": list(self.payback_years_range),
        }


def payback_years(*, one_off_cost: float, net_annual_savings: float) -> float | None:
    """Years until cumulative net savings repay the one-off cost; None if they never do."""
    if one_off_cost <= 0:
        return 0.0
    if net_annual_savings <= 0:
        return None
    return one_off_cost / net_annual_savings


def efficiency_compute(
    *,
    annual_volume: float,
    cost_per_transaction_before: float,
    benefit_per_transaction: float,
    benefit_std_error: float,
    value_per_unit: float = 1.0,
    volume_std_error: float = 0.0,
    one_off_cost: float = 0.0,
    annual_running_cost: float = 0.0,
    alpha: float = 0.05,
) -> Efficiency:
    """Cost per transaction before/after, savings, net savings, cost per outcome and payback."""
    savings = savings_interval(
        annual_volume=annual_volume,
        benefit_per_transaction=benefit_per_transaction,
        benefit_std_error=benefit_std_error,
        value_per_unit=value_per_unit,
        volume_std_error=volume_std_error,
        alpha=alpha,
    )
    net = Interval(
        savings.estimate - annual_running_cost,
        savings.std_error,
        savings.low - annual_running_cost,
        savings.high - annual_running_cost,
    )
    units = annual_volume * benefit_per_transaction
    first_year_cost = one_off_cost + annual_running_cost
    cost_per_unit = first_year_cost / units if units > 0 else None
    saved_per_transaction = benefit_per_transaction * value_per_unit
    # A lower savings bound gives the longest payback and vice versa.
    slow = payback_years(one_off_cost=one_off_cost, net_annual_savings=net.low)
    fast = payback_years(one_off_cost=one_off_cost, net_annual_savings=net.high)
    return Efficiency(
        cost_per_transaction_before=cost_per_transaction_before,
        cost_per_transaction_after=cost_per_transaction_before - saved_per_transaction,
        savings=savings,
        one_off_cost=one_off_cost,
        annual_running_cost=annual_running_cost,
        net_annual_savings=net,
        cost_per_outcome_unit=cost_per_unit,
        outcome_units_per_year=units,
        payback_years=payback_years(one_off_cost=one_off_cost, net_annual_savings=net.estimate),
        payback_years_range=(fast, slow),
    )
