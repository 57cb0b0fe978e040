"""Spending efficiency from a causal effect: savings, cost per unit of outcome, payback.

Pure (no Django): plain floats in, frozen dataclasses out, so the formulas are tested alone.

Annualised savings S = V × b × v, where V is the annual volume of transactions, b the benefit
per transaction in outcome units (the effect, signed so that positive is good) and v the money
value of one outcome unit (1 when the effect is already money per transaction, as the analyst
says: it is never assumed). With V and b
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

    def scaled(self, factor: float) -> Interval:
        """The interval of factor × X (a money value per unit times units, say); factor ≥ 0."""
        return Interval(
            self.estimate * factor, self.std_error * factor, self.low * factor, self.high * factor
        )

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


def normal_interval(estimate: float, std_error: float, alpha: float = 0.05) -> Interval:
    z = _z(alpha)
    return Interval(estimate, std_error, estimate - z * std_error, estimate + z * std_error)


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


# The inputs a figure cannot do without, named as the API and the service-figures form name them.
VALUE = "value_per_outcome_unit"
ONE_OFF = "one_off_cost"
RUNNING = "annual_running_cost"


@dataclass(frozen=True, slots=True)
class Efficiency:
    """Spending efficiency of one service; money in the service's currency, per year.

    A figure whose inputs were not entered is None, never computed from a stand-in value, and
    `missing_inputs` names what to enter to see it: no value of an outcome unit, no savings;
    no running cost, no net savings; no one-off cost, no payback.
    """

    cost_per_transaction_before: float
    cost_per_transaction_after: Interval | None
    savings: Interval | None
    one_off_cost: float | None
    annual_running_cost: float | None
    net_annual_savings: Interval | None
    # Intervention cost (first year) per outcome unit gained, and its range over the interval
    # of the outcome units gained (None where that end gains no units).
    cost_per_outcome_unit: float | None
    cost_per_outcome_unit_range: tuple[float | None, float | None]
    outcome_units_per_year: Interval
    payback_years: float | None  # point estimate; None when net savings are not positive
    payback_years_range: tuple[float | None, float | None]  # from the savings interval
    missing_inputs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        def interval(value: Interval | None) -> dict[str, float | None] | None:
            return value.to_dict() if value is not None else None

        return {
            "cost_per_transaction_before": self.cost_per_transaction_before,
            "cost_per_transaction_after": interval(self.cost_per_transaction_after),
            "annual_savings": interval(self.savings),
            "one_off_cost": self.one_off_cost,
            "annual_running_cost": self.annual_running_cost,
            "net_annual_savings": interval(self.net_annual_savings),
            "cost_per_outcome_unit": self.cost_per_outcome_unit,
            "cost_per_outcome_unit_range": list(self.cost_per_outcome_unit_range),
            "outcome_units_per_year": self.outcome_units_per_year.to_dict(),
            "payback_years": self.payback_years,
            "payback_years_range": list(self.payback_years_range),
            "missing_inputs": list(self.missing_inputs),
        }


def payback_years(*, one_off_cost: float, net_annual_savings: float) -> float | None:
    """Years until cumulative net savings repay the one-off cost; None if they never do."""
    if one_off_cost <= 0:
        return 0.0
    if net_annual_savings <= 0:
        return None
    return one_off_cost / net_annual_savings


def _shift(interval: Interval, by: float, sign: float = 1.0) -> Interval:
    """by + sign × interval (an exact transformation of a normal interval)."""
    ends = sorted((by + sign * interval.low, by + sign * interval.high))
    return Interval(by + sign * interval.estimate, interval.std_error, ends[0], ends[1])


def _per_unit(cost: float, units: float) -> float | None:
    return cost / units if units > 0 else None


Range = tuple[float | None, float | None]


def _cost_per_unit(
    one_off_cost: float | None, annual_running_cost: float | None, units: Interval
) -> tuple[float | None, Range]:
    """First-year cost per outcome unit and its range; None without both costs."""
    if one_off_cost is None or annual_running_cost is None:
        return None, (None, None)
    first_year = one_off_cost + annual_running_cost
    # More units gained, lower cost per unit: the high end of units gives the low end.
    return _per_unit(first_year, units.estimate), (
        _per_unit(first_year, units.high),
        _per_unit(first_year, units.low),
    )


def _payback(one_off_cost: float | None, net: Interval | None) -> tuple[float | None, Range]:
    """Payback years and their range; None without net savings or a one-off cost."""
    if net is None or one_off_cost is None:
        return None, (None, None)
    # A lower savings bound gives the longest payback and vice versa.
    return payback_years(one_off_cost=one_off_cost, net_annual_savings=net.estimate), (
        payback_years(one_off_cost=one_off_cost, net_annual_savings=net.high),
        payback_years(one_off_cost=one_off_cost, net_annual_savings=net.low),
    )


def efficiency_compute(
    *,
    annual_volume: float,
    cost_per_transaction_before: float,
    benefit_per_transaction: float,
    benefit_std_error: float,
    value_per_unit: float | None,
    volume_std_error: float = 0.0,
    one_off_cost: float | None,
    annual_running_cost: float | None,
    alpha: float = 0.05,
) -> Efficiency:
    """Cost per transaction before/after, savings, net savings, cost per outcome and payback.

    `value_per_unit`, `one_off_cost` and `annual_running_cost` are None when nobody entered
    them; the figures that need them are then None and named in `missing_inputs`.
    """
    missing = tuple(
        name
        for name, value in (
            (VALUE, value_per_unit),
            (ONE_OFF, one_off_cost),
            (RUNNING, annual_running_cost),
        )
        if value is None
    )
    # Outcome units gained per year: the savings formula with one money unit per outcome unit.
    units = savings_interval(
        annual_volume=annual_volume,
        benefit_per_transaction=benefit_per_transaction,
        benefit_std_error=benefit_std_error,
        value_per_unit=1.0,  # units, not money
        volume_std_error=volume_std_error,
        alpha=alpha,
    )
    savings = after = net = None
    if value_per_unit is not None:
        savings = units.scaled(value_per_unit)
        per_transaction = normal_interval(benefit_per_transaction, benefit_std_error, alpha)
        after = _shift(per_transaction.scaled(value_per_unit), cost_per_transaction_before, -1.0)
        if annual_running_cost is not None:
            net = _shift(savings, -annual_running_cost)
    cost_per_unit, cost_range = _cost_per_unit(one_off_cost, annual_running_cost, units)
    payback, payback_range = _payback(one_off_cost, net)
    return Efficiency(
        cost_per_transaction_before=cost_per_transaction_before,
        cost_per_transaction_after=after,
        savings=savings,
        one_off_cost=one_off_cost,
        annual_running_cost=annual_running_cost,
        net_annual_savings=net,
        cost_per_outcome_unit=cost_per_unit,
        cost_per_outcome_unit_range=cost_range,
        outcome_units_per_year=units,
        payback_years=payback,
        payback_years_range=payback_range,
        missing_inputs=missing,
    )
