"""Projecting an effect onto new sites: Monte Carlo with between-site heterogeneity.

Pure (no Django). Model (a random-effects predictive distribution, Higgins, Thompson &
Spiegelhalter 2009, JRSS A 172:137):

    μ ~ N(μ̂, se²)                    the original effect, uncertain (shared by every site)
    θ_j = μ + u_j,  u_j ~ N(0, τ_j²)  site j's own effect; τ_j = τ × (2 − s_j) widens the
                                      heterogeneity for sites less similar to the original
                                      (context similarity s_j in [0, 1])
    S_j = V_j × θ_j × v_j             site j's annual savings (volume × effect × value per unit)

Because every term is linear in normal variables, the total T = Σ S_j is normal with

    E[T] = μ̂ Σ a_j,   Var[T] = se² (Σ a_j)² + Σ a_j² τ_j²,   a_j = V_j v_j,

which the tests use as the independent analytic reference for the simulation. Cost to scale is
Σ (one-off cost_j) and annual running Σ running_j; break-even is the year cumulative net savings
cover the one-off cost, and P(net benefit > 0 over the horizon) is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    annual_volume: float
    value_per_unit: float
    context_similarity: float = 1.0
    one_off_cost: float = 0.0
    annual_running_cost: float = 0.0


@dataclass(frozen=True, slots=True)
class SiteProjection:
    name: str
    mean_savings: float
    low: float
    high: float
    probability_positive: float
    tau: float


@dataclass(frozen=True, slots=True)
class Projection:
    sites: list[SiteProjection]
    total_mean: float
    total_low: float
    total_high: float
    total_sd: float
    one_off_cost: float
    annual_running_cost: float
    horizon_years: int
    net_benefit_mean: float  # over the horizon: horizon × (savings − running) − one-off
    net_benefit_low: float
    net_benefit_high: float
    probability_net_positive: float
    break_even_years: float | None  # at mean savings; None if net annual savings ≤ 0
    break_even_effect: float | None  # effect per transaction at which the horizon breaks even
    draws: int
    seed: int
    analytic_mean: float = 0.0
    analytic_sd: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "sites": [
                {
                    "name": s.name,
                    "mean_savings": s.mean_savings,
                    "low": s.low,
                    "high": s.high,
                    "probability_positive": s.probability_positive,
                    "tau": s.tau,
                }
                for s in self.sites
            ],
            "total": {
                "mean": self.total_mean,
                "low": self.total_low,
                "high": self.total_high,
                "sd": self.total_sd,
                "analytic_mean": self.analytic_mean,
                "analytic_sd": self.analytic_sd,
            },
            "one_off_cost": self.one_off_cost,
            "annual_running_cost": self.annual_running_cost,
            "horizon_years": self.horizon_years,
            "net_benefit": {
                "mean": self.net_benefit_mean,
                "low": self.net_benefit_low,
                "high": self.net_benefit_high,
            },
            "probability_net_positive": self.probability_net_positive,
            "break_even_years": self.break_even_years,
            "break_even_effect": self.break_even_effect,
            "draws": self.draws,
            "seed": self.seed,
        }


def site_tau(tau: float, similarity: float) -> float:
    """Heterogeneity for a site: τ for an identical context, up to 2τ for an unrelated one."""
    s = min(max(similarity, 0.0), 1.0)
    return tau * (2.0 - s)


def analytic_total(
    *, effect: float, effect_se: float, tau: float, sites: list[Site]
) -> tuple[float, float]:
    """Mean and standard deviation of total annual savings under the normal model."""
    a = np.array([s.annual_volume * s.value_per_unit for s in sites], dtype=float)
    taus = np.array([site_tau(tau, s.context_similarity) for s in sites])
    mean = effect * a.sum()
    var = effect_se**2 * a.sum() ** 2 + float((a**2 * taus**2).sum())
    return float(mean), math.sqrt(var)


def _site_projections(
    savings: np.ndarray, sites: list[Site], taus: np.ndarray, q_low: float, q_high: float
) -> list[SiteProjection]:
    """Each site's mean annual savings, interval and P(savings > 0) from the draws."""
    return [
        SiteProjection(
            name=s.name,
            mean_savings=float(savings[:, j].mean()),
            low=float(np.quantile(savings[:, j], q_low)),
            high=float(np.quantile(savings[:, j], q_high)),
            probability_positive=float((savings[:, j] > 0).mean()),
            tau=float(taus[j]),
        )
        for j, s in enumerate(sites)
    ]


def project(
    *,
    effect: float,
    effect_se: float,
    tau: float,
    sites: list[Site],
    horizon_years: int = 5,
    draws: int = 20_000,
    seed: int = 0,
    alpha: float = 0.05,
) -> Projection:
    """Simulate site effects and savings; intervals are the α/2 and 1−α/2 quantiles."""
    if not sites:
        raise ValueError("a projection needs at least one candidate site")
    if effect_se < 0 or tau < 0:
        raise ValueError("standard error and heterogeneity τ must not be negative")
    if horizon_years < 1:
        raise ValueError("the horizon must be at least one year")
    rng = np.random.default_rng(seed)
    a = np.array([s.annual_volume * s.value_per_unit for s in sites], dtype=float)
    taus = np.array([site_tau(tau, s.context_similarity) for s in sites])
    mu = rng.normal(effect, effect_se, size=draws) if effect_se > 0 else np.full(draws, effect)
    u = rng.standard_normal((draws, len(sites))) * taus
    savings = (mu[:, None] + u) * a  # draws × sites
    total = savings.sum(axis=1)
    q_low, q_high = alpha / 2, 1 - alpha / 2
    per_site = _site_projections(savings, sites, taus, q_low, q_high)
    one_off = float(sum(s.one_off_cost for s in sites))
    running = float(sum(s.annual_running_cost for s in sites))
    net = horizon_years * (total - running) - one_off
    mean_total = float(total.mean())
    net_annual = mean_total - running
    break_even = (one_off / net_annual if one_off > 0 else 0.0) if net_annual > 0 else None
    denominator = horizon_years * a.sum()
    break_even_effect = (
        (one_off + horizon_years * running) / denominator if denominator > 0 else None
    )
    am, asd = analytic_total(effect=effect, effect_se=effect_se, tau=tau, sites=sites)
    return Projection(
        sites=per_site,
        total_mean=mean_total,
        total_low=float(np.quantile(total, q_low)),
        total_high=float(np.quantile(total, q_high)),
        total_sd=float(total.std(ddof=1)),
        one_off_cost=one_off,
        annual_running_cost=running,
        horizon_years=horizon_years,
        net_benefit_mean=float(net.mean()),
        net_benefit_low=float(np.quantile(net, q_low)),
        net_benefit_high=float(np.quantile(net, q_high)),
        probability_net_positive=float((net > 0).mean()),
        break_even_years=break_even,
        break_even_effect=break_even_effect,
        draws=draws,
        seed=seed,
        analytic_mean=am,
        analytic_sd=asd,
    )


@dataclass(frozen=True, slots=True)
class ReplicationComparison:
    difference: float  # replication − original
    std_error: float
    z: float
    p_value: float
    consistent: bool  # same sign, significant on its own and not significantly different
    replication_significant: bool


def compare_replication(
    *,
    original: float,
    original_se: float,
    replication: float,
    replication_se: float,
    alpha: float = 0.05,
) -> ReplicationComparison:
    """Does a replication confirm the original? Difference z-test (independent estimates)."""
    se = math.sqrt(original_se**2 + replication_se**2)
    diff = replication - original
    z = diff / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    crit = float(special.ndtri(1 - alpha / 2))
    significant = replication_se > 0 and abs(replication / replication_se) > crit
    same_sign = (replication > 0) == (original > 0)
    return ReplicationComparison(
        diff, se, z, p, bool(significant and same_sign and p >= alpha), bool(significant)
    )
