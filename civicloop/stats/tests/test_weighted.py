"""Post-stratified estimates against statsmodels' DescrStatsW, statsmodels' Wilson interval
and a worked example computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from civicloop.stats._common import StatsInputError
from civicloop.stats.weighted import (
    kish_effective_n,
    poststratify,
    weighted_mean,
    weighted_net_share,
    weighted_proportion,
)

# Worked example: the population is half A, half B; one respondent from A, three from B.
# w_A = 0.5 / (1/4) = 2, w_B = 0.5 / (3/4) = 2/3; sum w = 4, sum w^2 = 4 + 3 * 4/9 = 16/3,
# n_eff = 16 / (16/3) = 3.
GROUPS = ["A", "B", "B", "B"]
SHARES = {"A": 0.5, "B": 0.5}


def test_worked_example_weights_and_effective_n():
    ps = poststratify(GROUPS, SHARES)
    assert ps.weights == pytest.approx((2.0, 2 / 3, 2 / 3, 2 / 3))
    assert ps.group_weights == pytest.approx({"A": 2.0, "B": 2 / 3})
    assert kish_effective_n(ps.weights) == pytest.approx(3.0)
    assert (ps.n, ps.left_out, ps.empty_groups, ps.covered_share) == (4, 0, (), 1.0)


def test_worked_example_mean_by_hand():
    # y = 10 in A and 4, 4, 4 in B: y_w = (2*10 + 3*(2/3)*4) / 4 = 7 (= 0.5*10 + 0.5*4).
    # spread = [2 * 3^2 + 3 * (2/3) * 3^2] / 4 = 9; SE^2 = 9 / (3 - 1) = 4.5;
    # t(0.975, 2) = 4.302653; interval 7 -/+ 4.302653 * 2.121320 = 7 -/+ 9.127305.
    ps = poststratify(GROUPS, SHARES)
    result = weighted_mean([10, 4, 4, 4], ps.weights)
    assert result.estimate == pytest.approx(7.0)
    assert result.std_error == pytest.approx(math.sqrt(4.5))
    assert result.ci_low == pytest.approx(7 - 9.127305, abs=1e-6)
    assert result.ci_high == pytest.approx(7 + 9.127305, abs=1e-6)
    assert (result.n, result.n_eff) == (4, pytest.approx(3.0))


def test_worked_example_proportion_is_wilson_on_the_effective_n():
    # Successes 1 in A and 1, 0, 0 in B: p_w = (2 + 2/3) / 4 = 2/3 on n_eff = 3, which is
    # the Wilson interval of 2 successes in 3.
    ps = poststratify(GROUPS, SHARES)
    result = weighted_proportion([1, 1, 0, 0], ps.weights)
    low, high = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert result.estimate == pytest.approx(2 / 3)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


def _sample(seed: int, n: int = 240):
    rng = np.random.default_rng(seed)
    groups = rng.choice(["under_25", "25_44", "45_64", "65_plus"], p=[0.4, 0.35, 0.2, 0.05], size=n)
    shares = {"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2}
    return rng, list(groups), shares


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_mean_matches_descrstatsw(seed):
    rng, groups, shares = _sample(seed)
    y = rng.normal(70, 15, size=len(groups))
    w = np.array(poststratify(groups, shares).weights)
    n_eff = w.sum() ** 2 / (w**2).sum()
    # DescrStatsW treats weights as frequencies: scaled to add up to n_eff, its standard
    # error of the mean and t interval (n_eff - 1 degrees of freedom) are Kish's.
    reference = DescrStatsW(y, weights=w * n_eff / w.sum())
    result = weighted_mean(y, w)
    assert result.estimate == pytest.approx(DescrStatsW(y, weights=w).mean)
    assert result.std_error == pytest.approx(reference.std_mean)
    low, high = reference.tconfint_mean(alpha=0.05)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert result.n_eff == pytest.approx(n_eff)


def test_equal_weights_give_the_unweighted_t_interval():
    y = [72.5, 85.0, 60.0, 90.0, 77.5, 55.0, 67.5]
    result = weighted_mean(y, [1.0] * len(y))
    low, high = stats.t.interval(0.95, len(y) - 1, loc=np.mean(y), scale=stats.sem(y))
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize("seed", [4, 5])
def test_weighted_proportion_matches_descrstatsw_and_statsmodels_wilson(seed):
    rng, groups, shares = _sample(seed)
    x = rng.random(len(groups)) < 0.6
    w = np.array(poststratify(groups, shares).weights)
    n_eff = w.sum() ** 2 / (w**2).sum()
    p = DescrStatsW(x.astype(float), weights=w).mean
    low, high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    result = weighted_proportion(x, w)
    assert result.estimate == pytest.approx(p)
    assert (result.ci_low, result.ci_high) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize("seed", [6, 7])
def test_weighted_net_share_is_the_weighted_multinomial(seed):
    rng, groups, shares = _sample(seed)
    scores = rng.integers(0, 11, size=len(groups))
    promoters, detractors = scores >= 9, scores <= 6
    w = np.array(poststratify(groups, shares).weights)
    # Independent route: the mean of +1 / 0 / -1 per respondent; its weighted (population)
    # variance is p_P + p_D - (p_P - p_D)^2, divided by n_eff.
    coded = DescrStatsW(promoters.astype(float) - detractors.astype(float), weights=w, ddof=0)
    n_eff = w.sum() ** 2 / (w**2).sum()
    result = weighted_net_share(promoters, detractors, w)
    assert result.estimate == pytest.approx(coded.mean)
    assert result.std_error == pytest.approx(math.sqrt(coded.var / n_eff))
    assert result.ci_high - result.estimate == pytest.approx(1.959963984540054 * result.std_error)


def test_weights_make_the_respondent_mix_equal_the_population():
    _, groups, shares = _sample(8)
    ps = poststratify(groups, shares)
    w = np.array(ps.weights)
    assert w.mean() == pytest.approx(1.0)
    for group, share in shares.items():
        in_group = np.array([g == group for g in groups])
        assert w[in_group].sum() / w.sum() == pytest.approx(share)


def test_a_group_without_respondents_is_left_out_and_the_rest_rescaled():
    # 65_plus has 20% of the population and nobody answered: its weight cannot be computed.
    groups = ["under_25"] * 2 + ["25_44"] * 5 + ["45_64"] * 3
    shares = {"under_25": 20, "25_44": 35, "45_64": 25, "65_plus": 20}
    ps = poststratify(groups, shares)
    assert ps.empty_groups == ("65_plus",)
    assert ps.group_weights["65_plus"] is None
    assert ps.covered_share == pytest.approx(0.8)
    # Remaining shares 0.25, 0.4375, 0.3125; weight = share / (n_h / n).
    assert ps.group_weights["under_25"] == pytest.approx(0.25 / 0.2)
    assert ps.group_weights["25_44"] == pytest.approx(0.4375 / 0.5)
    assert ps.group_weights["45_64"] == pytest.approx(0.3125 / 0.3)
    assert sum(ps.weights) == pytest.approx(10)


def test_unknown_groups_are_left_out_with_weight_zero():
    ps = poststratify(["A", None, "C", "B"], {"A": 1, "B": 1})
    assert ps.weights[1] == ps.weights[2] == 0.0
    assert ps.left_out == 2
    assert ps.n == 2
    result = weighted_mean([1.0, math.nan, 99.0, 3.0], ps.weights)
    assert result.estimate == pytest.approx(2.0)  # the unweighted values are ignored


def test_nobody_to_weight_gives_no_estimate_and_no_division_by_zero():
    ps = poststratify([None, "Z"], {"A": 0.5, "B": 0.5})
    assert ps.n == 0
    assert ps.empty_groups == ("A", "B")
    assert ps.group_weights == {"A": None, "B": None}
    assert ps.covered_share == 0
    for result in (
        weighted_mean([1, 2], ps.weights),
        weighted_proportion([1, 0], ps.weights),
        weighted_net_share([1, 0], [0, 1], ps.weights),
    ):
        assert result.n == 0
        assert math.isnan(result.estimate)


def test_one_respondent_has_a_mean_but_no_interval():
    result = weighted_mean([5.0], [2.0])
    assert result.estimate == 5.0
    assert math.isnan(result.ci_low)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: poststratify(["A"], {}), "shares"),
        (lambda: poststratify(["A"], {"A": -1}), "shares"),
        (lambda: poststratify(["A"], {"A": 0}), "shares"),
        (lambda: weighted_mean([1, 2], [1]), "weights"),
        (lambda: weighted_mean([1, 2], [1, -1]), "weights"),
        (lambda: weighted_proportion([2, 0], [1, 1]), "successes"),
        (lambda: weighted_net_share([1], [1], [1]), "both"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(StatsInputError, match=message):
        call()
