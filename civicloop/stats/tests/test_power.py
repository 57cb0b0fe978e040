"""Power, MDE, sample size and duration against statsmodels and closed forms."""

import math

import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower, tt_ind_solve_power

from civicloop.stats import StatsInputError, power_means, power_proportions


def test_proportion_sample_size_matches_closed_form_and_normal_ind_power():
    result = power_proportions(baseline_rate=0.10, mde_abs=0.02, alpha=0.05, power=0.8)
    p1, p2 = 0.10, 0.12
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    closed = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / 0.02**2
    assert result.n_per_group_exact == pytest.approx(closed, rel=1e-12)
    assert result.n_per_group == math.ceil(closed) == 3839
    effect = 0.02 / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    ref = NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=0.8, ratio=1)
    assert result.n_per_group_exact == pytest.approx(ref, rel=1e-3)


def test_relative_mde_and_duration_from_daily_traffic():
    result = power_proportions(baseline_rate=0.2, mde_rel=0.1, daily_units=500)
    same = power_proportions(baseline_rate=0.2, mde_abs=0.02)
    assert result.n_per_group == same.n_per_group
    assert result.days == math.ceil(2 * result.n_per_group / 500)


def test_proportion_mde_from_sample_size_inverts_the_sample_size():
    n = 5000
    result = power_proportions(baseline_rate=0.3, n_per_group=n)
    back = power_proportions(baseline_rate=0.3, mde_abs=result.mde_abs)
    assert back.n_per_group_exact == pytest.approx(n, rel=1e-6)


def test_mean_sample_size_matches_statsmodels_tt_ind_solve_power():
    result = power_means(baseline_mean=50, baseline_sd=12, mde_abs=3, alpha=0.05, power=0.9)
    ref = tt_ind_solve_power(effect_size=3 / 12, alpha=0.05, power=0.9, ratio=1)
    assert result.n_per_group_exact == pytest.approx(ref, rel=1e-4)
    assert result.n_per_group == math.ceil(ref)


def test_mean_mde_for_fixed_n_matches_statsmodels():
    result = power_means(baseline_mean=10, baseline_sd=4, n_per_group=200, power=0.8)
    ref_effect = tt_ind_solve_power(nobs1=200, alpha=0.05, power=0.8, ratio=1)
    assert result.mde_abs == pytest.approx(ref_effect * 4, rel=1e-4)


def test_impossible_power_inputs_are_rejected():
    with pytest.raises(StatsInputError, match="baseline rate"):
        power_proportions(baseline_rate=1.5, mde_abs=0.1)
    with pytest.raises(StatsInputError, match="leaves the range"):
        power_proportions(baseline_rate=0.95, mde_abs=0.1)
    with pytest.raises(StatsInputError, match="sd must be positive"):
        power_means(baseline_mean=1, baseline_sd=0, mde_abs=0.1)
