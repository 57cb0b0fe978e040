"""Scores against independent references: statsmodels, scipy and hand formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from civicloop.feedback import scoring


@pytest.mark.parametrize(("hits", "n"), [(0, 10), (7, 10), (41, 100), (999, 1000), (5, 5)])
def test_wilson_matches_statsmodels(hits, n):
    low, high = scoring.wilson_interval(hits, n)
    ref_low, ref_high = proportion_confint(hits, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


def test_govuk_share_counts_satisfied_and_very_satisfied():
    # 5-point scale: 12 very dissatisfied .. 30 very satisfied; satisfied = 4 and 5.
    values = [1] * 12 + [2] * 8 + [3] * 10 + [4] * 40 + [5] * 30
    score = scoring.share_score("govuk", "x", values, top=(4, 5))
    assert score.value == pytest.approx(70.0)
    low, high = proportion_confint(70, 100, method="wilson")
    assert (score.ci_low, score.ci_high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert score.mean == pytest.approx(np.mean(values))


def test_nps_hand_example():
    # 50 promoters, 30 passives, 20 detractors: NPS = 30;
    # Var(pP - pD) = (0.5 + 0.2 - 0.3^2) / 100 = 0.0061; 95% CI 30 +/- 1.95996 * 7.8102 = 30 +/- 15.3078.
    values = [10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [0] * 10
    score = scoring.nps_score(values)
    assert score.value == pytest.approx(30.0)
    half = 1.959963984540054 * math.sqrt(0.0061) * 100
    assert score.ci_low == pytest.approx(30 - half, abs=1e-9)
    assert score.ci_high == pytest.approx(30 + half, abs=1e-9)
    assert half == pytest.approx(15.3078, abs=1e-4)


def test_nps_interval_equals_mean_of_plus_minus_one_scores():
    # Independent route: NPS is the mean of +1 (promoter), 0, -1 (detractor) per respondent,
    # and its variance (population form) over n is the multinomial variance of pP - pD.
    rng = np.random.default_rng(4)
    values = rng.integers(0, 11, size=537).tolist()
    x = np.where(np.array(values) >= 9, 1.0, np.where(np.array(values) <= 6, -1.0, 0.0))
    se = x.std(ddof=0) / math.sqrt(len(x))
    score = scoring.nps_score(values)
    assert score.value is not None and score.ci_high is not None
    assert score.value == pytest.approx(100 * x.mean())
    assert score.ci_high - score.value == pytest.approx(100 * 1.959963984540054 * se)


def test_nps_interval_is_clipped_to_its_range():
    score = scoring.nps_score([10, 10, 10])
    assert score.value == 100
    assert score.ci_high == 100


def test_sus_scoring_follows_brooke():
    assert scoring.sus_total([5, 1] * 5) == 100.0
    assert scoring.sus_total([1, 5] * 5) == 0.0
    assert scoring.sus_total([3] * 10) == 50.0
    # Brooke (1996) worked example: odd items score-1, even 5-score, sum x 2.5.
    items = [4, 2, 4, 1, 3, 2, 5, 1, 4, 3]
    assert scoring.sus_total(items) == 2.5 * (3 + 3 + 3 + 4 + 2 + 3 + 4 + 4 + 3 + 2)


def test_sus_mean_interval_matches_scipy_t():
    totals = [72.5, 85.0, 60.0, 90.0, 77.5, 55.0, 67.5]
    score = scoring.sus_score(totals)
    low, high = stats.t.interval(
        0.95, len(totals) - 1, loc=np.mean(totals), scale=stats.sem(totals)
    )
    assert score.value == pytest.approx(np.mean(totals))
    assert (score.ci_low, score.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_representativeness_matches_scipy_and_flags_the_missing_group():
    observed = {"under_25": 30, "25_44": 50, "45_64": 15, "65_plus": 5}
    shares = {"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2}
    result = scoring.representativeness("age_band", observed, shares)
    reference = stats.chisquare([30, 50, 15, 5], [20, 35, 25, 20])
    assert result.chi2 == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)
    # adjusted residual of 65+: (5 - 20) / sqrt(20 * 0.8) = -3.75; 45-64: -10/sqrt(18.75)=-2.31
    assert result.under_represented == ["45_64", "65_plus"]
    weights = {row["category"]: row["weight"] for row in result.categories}
    assert weights["65_plus"] == pytest.approx(0.2 / 0.05)
    # Weighting by these makes the respondent mix equal the target group's.
    weighted = {k: observed[k] * weights[k] for k in observed}
    total = sum(weighted.values())
    assert {k: v / total for k, v in weighted.items()} == pytest.approx(shares)


# --- post-stratified scores: weights by hand, estimates from statsmodels' DescrStatsW ---------

AGE_SHARES = {"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2}


def _hand_weights(groups, shares):
    """w_h = P_h / (n_h / n), with groups that nobody answered left out and the rest rescaled."""
    present = {g: p for g, p in shares.items() if g in groups}
    total = sum(present.values())
    n = sum(1 for g in groups if g in present)
    return np.array(
        [present[g] / total / (groups.count(g) / n) if g in present else 0.0 for g in groups]
    )


def _sample(seed, n=180):
    rng = np.random.default_rng(seed)
    groups = list(rng.choice(list(AGE_SHARES), p=[0.45, 0.35, 0.15, 0.05], size=n))
    return rng, groups


def test_weighted_share_score_matches_descrstatsw_and_wilson_on_n_eff():
    rng, groups = _sample(11)
    values = rng.integers(1, 6, size=len(groups)).tolist()
    w = _hand_weights(groups, AGE_SHARES)
    satisfied = np.isin(values, [4, 5]).astype(float)
    p = DescrStatsW(satisfied, weights=w).mean
    n_eff = w.sum() ** 2 / (w**2).sum()
    low, high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    score = scoring.weighted_score("govuk", "x", "share", values, groups, AGE_SHARES)
    assert score.value == pytest.approx(100 * p)
    assert (score.ci_low, score.ci_high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert score.n_eff == pytest.approx(n_eff)
    assert score.n == len(groups)


def test_weighted_nps_is_the_weighted_multinomial_on_n_eff():
    rng, groups = _sample(12)
    values = rng.integers(0, 11, size=len(groups)).tolist()
    w = _hand_weights(groups, AGE_SHARES)
    coded = np.where(np.array(values) >= 9, 1.0, np.where(np.array(values) <= 6, -1.0, 0.0))
    reference = DescrStatsW(coded, weights=w, ddof=0)
    n_eff = w.sum() ** 2 / (w**2).sum()
    half = 1.959963984540054 * math.sqrt(reference.var / n_eff)
    score = scoring.weighted_score("nps", "NPS", "nps", values, groups, AGE_SHARES)
    assert score.value == pytest.approx(100 * reference.mean)
    assert score.ci_low == pytest.approx(100 * (reference.mean - half))
    assert score.ci_high == pytest.approx(100 * (reference.mean + half))


def test_weighted_sus_mean_matches_descrstatsw_t_interval():
    rng, groups = _sample(13)
    totals = (2.5 * rng.integers(8, 41, size=len(groups))).tolist()
    w = _hand_weights(groups, AGE_SHARES)
    n_eff = w.sum() ** 2 / (w**2).sum()
    reference = DescrStatsW(totals, weights=w * n_eff / w.sum())  # frequencies adding to n_eff
    low, high = reference.tconfint_mean(alpha=0.05)
    score = scoring.weighted_score("sus", "SUS", "mean", totals, groups, AGE_SHARES)
    assert score.value == pytest.approx(DescrStatsW(totals, weights=w).mean)
    assert (score.ci_low, score.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_weighted_score_with_an_empty_group_leaves_it_out():
    groups = ["under_25"] * 3 + ["25_44"] * 5 + ["45_64"] * 2 + [None] * 2
    values = [5, 5, 1, 4, 4, 2, 2, 2, 1, 1, 5, 5]
    score = scoring.weighted_score("csat", "CSAT", "share", values, groups, AGE_SHARES)
    assert score.empty_groups == ["65_plus"]
    assert score.left_out == 2
    assert score.n == 10
    assert score.covered_share == pytest.approx(0.8)
    # Shares without 65+: 0.25, 0.4375, 0.3125; satisfied 2/3, 2/5, 0/2 within the groups.
    assert score.value == pytest.approx(100 * (0.25 * 2 / 3 + 0.4375 * 2 / 5 + 0.3125 * 0))


def test_weighted_score_with_nobody_to_weight_has_no_value():
    score = scoring.weighted_score("csat", "CSAT", "share", [5, 4], [None, None], AGE_SHARES)
    assert (score.value, score.ci_low, score.n, score.n_eff) == (None, None, 0, None)
    assert score.left_out == 2
    assert score.empty_groups == list(AGE_SHARES)
