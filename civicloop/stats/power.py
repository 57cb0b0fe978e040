"""Power, minimum detectable effect, sample size and duration for two-arm tests.

Proportions (two-sided z test, unpooled variances; Chow, Shao & Wang, "Sample Size
Calculations in Clinical Research", 2nd ed., eq. 4.2.2):

    n per group = (z_{1-alpha/2} + z_{power})^2 * (p1 (1-p1) + p2 (1-p2)) / delta^2

Means (two-sided Welch/Student t test, equal n and sd): the exact power of the t test from the
noncentral t distribution with df = 2n - 2 and noncentrality delta / (sd sqrt(2/n)) (Cohen,
"Statistical Power Analysis for the Behavioral Sciences", 1988, ch. 2), solved for n.

Duration in days = ceil(groups * n per group / daily units entering the experiment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import optimize, stats

from civicloop.stats._common import StatsInputError, check_alpha, finite_or_none, z_quantile
from civicloop.stats.evidence import EvidenceGrade, planning_grade


@dataclass(frozen=True, slots=True)
class PowerResult:
    metric_type: str
    n_per_group: int
    n_per_group_exact: float
    n_total: int
    mde_abs: float
    mde_rel: float
    baseline: float
    sd: float | None
    alpha: float
    power: float
    groups: int
    daily_units: float | None
    days: int | None
    evidence: EvidenceGrade = field(default_factory=planning_grade)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "metric_type": self.metric_type,
            "n_per_group": self.n_per_group,
            "n_per_group_exact": finite_or_none(self.n_per_group_exact),
            "n_total": self.n_total,
            "mde_abs": finite_or_none(self.mde_abs),
            "mde_rel": finite_or_none(self.mde_rel),
            "baseline": finite_or_none(self.baseline),
            "sd": finite_or_none(self.sd),
            "alpha": self.alpha,
            "power": self.power,
            "groups": self.groups,
            "daily_units": finite_or_none(self.daily_units),
            "evidence": self.evidence.to_dict(),
        }
        if self.days is not None:
            out["days"] = self.days
        return out


def _check_common(alpha: float, power: float, groups: int, daily_units: float | None) -> None:
    check_alpha(alpha)
    if not 0 < power < 1:
        raise StatsInputError(f"power must be between 0 and 1, got {power}")
    if groups < 2:
        raise StatsInputError(f"groups must be at least 2, got {groups}")
    if daily_units is not None and not daily_units > 0:
        raise StatsInputError(f"daily units must be positive, got {daily_units}")


def _delta(baseline: float, mde_abs: float | None, mde_rel: float | None) -> float | None:
    if mde_abs is not None and mde_rel is not None:
        raise StatsInputError("give either an absolute or a relative minimum detectable effect")
    if mde_abs is not None:
        delta = mde_abs
    elif mde_rel is not None:
        delta = mde_rel * baseline
    else:
        return None
    if delta == 0 or not math.isfinite(delta):
        raise StatsInputError("the minimum detectable effect must be non-zero")
    return abs(delta)


def _days(n_per_group: int, groups: int, daily_units: float | None) -> int | None:
    if daily_units is None:
        return None
    return math.ceil(n_per_group * groups / daily_units)


def _n_proportions(p1: float, delta: float, alpha: float, power: float) -> float:
    p2 = p1 + delta
    z = z_quantile(1 - alpha / 2) + z_quantile(power)
    return z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / (delta * delta)


def power_proportions(
    *,
    baseline_rate: float,
    mde_abs: float | None = None,
    mde_rel: float | None = None,
    n_per_group: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    daily_units: float | None = None,
    groups: int = 2,
) -> PowerResult:
    """Sample size for a given MDE, or the MDE for a given ``n_per_group``, for a rate."""
    _check_common(alpha, power, groups, daily_units)
    if not 0 < baseline_rate < 1:
        raise StatsInputError(f"baseline rate must be between 0 and 1, got {baseline_rate}")
    delta = _delta(baseline_rate, mde_abs, mde_rel)
    if delta is None:
        if n_per_group is None or n_per_group < 2:
            raise StatsInputError("give a minimum detectable effect or n per group (>= 2)")

        def gap(d: float) -> float:
            return _n_proportions(baseline_rate, d, alpha, power) - n_per_group

        upper = 1 - baseline_rate - 1e-12
        if gap(upper) > 0:
            raise StatsInputError(
                f"{n_per_group} per group cannot detect any increase from {baseline_rate}"
            )
        delta = float(optimize.brentq(gap, 1e-12, upper, xtol=1e-14))
        exact = float(n_per_group)
    else:
        if not 0 < baseline_rate + delta < 1:
            raise StatsInputError(
                f"baseline {baseline_rate} plus effect {delta} leaves the range 0-1"
            )
        exact = _n_proportions(baseline_rate, delta, alpha, power)
    n = math.ceil(exact - 1e-9)
    return PowerResult(
        metric_type="proportion",
        n_per_group=n,
        n_per_group_exact=exact,
        n_total=n * groups,
        mde_abs=delta,
        mde_rel=delta / baseline_rate,
        baseline=baseline_rate,
        sd=None,
        alpha=alpha,
        power=power,
        groups=groups,
        daily_units=daily_units,
        days=_days(n, groups, daily_units),
    )


def t_test_power(*, n_per_group: float, delta: float, sd: float, alpha: float) -> float:
    """Exact power of the two-sided two-sample t test with equal groups."""
    df = 2 * n_per_group - 2
    nc = delta / (sd * math.sqrt(2 / n_per_group))
    crit = stats.t.ppf(1 - alpha / 2, df)
    upper = float(stats.nct.sf(crit, df, nc))
    # P(T < -crit | nc) = P(T > crit | -nc); scipy's lower tail can be NaN far from nc.
    lower = float(stats.nct.sf(crit, df, -nc))
    return (upper if math.isfinite(upper) else 1.0) + (lower if math.isfinite(lower) else 0.0)


def power_means(
    *,
    baseline_mean: float,
    baseline_sd: float,
    mde_abs: float | None = None,
    mde_rel: float | None = None,
    n_per_group: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    daily_units: float | None = None,
    groups: int = 2,
) -> PowerResult:
    """Sample size for a given MDE, or the MDE for a given ``n_per_group``, for a mean."""
    _check_common(alpha, power, groups, daily_units)
    if not baseline_sd > 0:
        raise StatsInputError(f"baseline sd must be positive, got {baseline_sd}")
    if mde_rel is not None and baseline_mean == 0:
        raise StatsInputError("a relative effect needs a non-zero baseline mean")
    delta = _delta(baseline_mean, mde_abs, mde_rel)
    if delta is None:
        if n_per_group is None or n_per_group < 2:
            raise StatsInputError("give a minimum detectable effect or n per group (>= 2)")
        z = z_quantile(1 - alpha / 2) + z_quantile(power)
        upper = 4 * z * baseline_sd * math.sqrt(2 / n_per_group)
        delta = float(
            optimize.brentq(
                lambda d: (
                    t_test_power(n_per_group=n_per_group, delta=d, sd=baseline_sd, alpha=alpha)
                    - power
                ),
                1e-9 * baseline_sd,
                upper,
                xtol=1e-12 * baseline_sd,
            )
        )
        exact = float(n_per_group)
    else:
        z = z_quantile(1 - alpha / 2) + z_quantile(power)
        guess = 2 * (z * baseline_sd / delta) ** 2
        hi = max(guess * 2 + 10, 10.0)
        exact = float(
            optimize.brentq(
                lambda n: (
                    t_test_power(n_per_group=n, delta=delta, sd=baseline_sd, alpha=alpha) - power
                ),
                1.5,
                hi,
                xtol=1e-8,
            )
        )
    n = math.ceil(exact - 1e-9)
    return PowerResult(
        metric_type="mean",
        n_per_group=n,
        n_per_group_exact=exact,
        n_total=n * groups,
        mde_abs=delta,
        mde_rel=delta / abs(baseline_mean) if baseline_mean != 0 else math.nan,
        baseline=baseline_mean,
        sd=baseline_sd,
        alpha=alpha,
        power=power,
        groups=groups,
        daily_units=daily_units,
        days=_days(n, groups, daily_units),
    )
