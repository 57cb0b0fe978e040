"""Monte Carlo replication projections against the analytic normal result."""

import numpy as np
import pytest
from scipy import stats

from civicloop.scaling.projection import Site, analytic_total, compare_replication, project

SITES = [
    Site(
        "Puerto Alto",
        54_000,
        58,
        context_similarity=0.9,
        one_off_cost=90_000,
        annual_running_cost=25_000,
    ),
    Site(
        "San Telmo",
        28_000,
        55,
        context_similarity=0.6,
        one_off_cost=60_000,
        annual_running_cost=15_000,
    ),
    Site(
        "Riverside County",
        190_000,
        61,
        context_similarity=0.4,
        one_off_cost=200_000,
        annual_running_cost=70_000,
    ),
]


def _hand_analytic(effect, se, tau):
    a = np.array([54_000 * 58, 28_000 * 55, 190_000 * 61], dtype=float)
    taus = tau * (2 - np.array([0.9, 0.6, 0.4]))
    return effect * a.sum(), np.sqrt(se**2 * a.sum() ** 2 + (a**2 * taus**2).sum())


def test_simulated_total_matches_the_analytic_normal_interval():
    result = project(effect=0.061, effect_se=0.009, tau=0.015, sites=SITES, draws=200_000, seed=1)
    mean, sd = _hand_analytic(0.061, 0.009, 0.015)
    assert (result.analytic_mean, result.analytic_sd) == pytest.approx((mean, sd))
    assert result.total_mean == pytest.approx(mean, rel=0.005)
    assert result.total_sd == pytest.approx(sd, rel=0.01)
    lo, hi = stats.norm(mean, sd).interval(0.95)
    assert result.total_low == pytest.approx(lo, rel=0.02)
    assert result.total_high == pytest.approx(hi, rel=0.02)


def test_net_benefit_probability_matches_normal_cdf():
    horizon = 3
    result = project(
        effect=0.061,
        effect_se=0.009,
        tau=0.015,
        sites=SITES,
        draws=200_000,
        seed=2,
        horizon_years=horizon,
    )
    mean, sd = _hand_analytic(0.061, 0.009, 0.015)
    one_off, running = 350_000, 110_000
    net = stats.norm(horizon * (mean - running) - one_off, horizon * sd)
    assert result.probability_net_positive == pytest.approx(net.sf(0), abs=0.005)
    assert result.one_off_cost == one_off
    assert result.break_even_years == pytest.approx(one_off / (result.total_mean - running))
    a = 54_000 * 58 + 28_000 * 55 + 190_000 * 61
    assert result.break_even_effect == pytest.approx((one_off + horizon * running) / (horizon * a))


def test_heterogeneity_widens_the_interval_and_is_seeded():
    narrow = project(effect=0.061, effect_se=0.009, tau=0.0, sites=SITES, draws=20_000, seed=3)
    wide = project(effect=0.061, effect_se=0.009, tau=0.03, sites=SITES, draws=20_000, seed=3)
    again = project(effect=0.061, effect_se=0.009, tau=0.03, sites=SITES, draws=20_000, seed=3)
    assert wide.total_high - wide.total_low > narrow.total_high - narrow.total_low
    assert again.total_low == wide.total_low


def test_single_site_interval_is_the_prediction_interval():
    site = [Site("A", 10_000, 1.0)]
    mean, sd = analytic_total(effect=2.0, effect_se=0.3, tau=0.4, sites=site)
    assert sd == pytest.approx(10_000 * np.sqrt(0.3**2 + 0.4**2))
    result = project(effect=2.0, effect_se=0.3, tau=0.4, sites=site, draws=200_000, seed=4)
    lo, hi = stats.norm(mean, sd).interval(0.95)
    assert result.sites[0].low == pytest.approx(lo, rel=0.02)
    assert result.sites[0].high == pytest.approx(hi, rel=0.02)


def test_replication_comparison_flags_consistent_and_contradicting_results():
    ok = compare_replication(
        original=0.061, original_se=0.009, replication=0.05, replication_se=0.012
    )
    assert ok.consistent
    assert ok.z == pytest.approx((0.05 - 0.061) / np.hypot(0.009, 0.012))
    assert ok.p_value == pytest.approx(2 * stats.norm.sf(abs(ok.z)))
    null = compare_replication(
        original=0.061, original_se=0.009, replication=0.004, replication_se=0.01
    )
    assert not null.consistent
    assert not null.replication_significant


def test_projection_refuses_empty_site_lists():
    with pytest.raises(ValueError, match="at least one"):
        project(effect=1, effect_se=0.1, tau=0, sites=[])
