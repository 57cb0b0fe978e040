"""A/B analysis checked against scipy, statsmodels and closed forms."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import integrate, stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind

from civicloop.stats import (
    StatsInputError,
    SufficientStats,
    analyze_ab,
    analyze_ab_metrics,
    bayes_summary,
    bh_adjust,
    holm_adjust,
    non_inferiority,
    srm_check,
)


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def test_welch_difference_matches_scipy_ttest_ind_unequal_var(rng):
    control = rng.normal(10, 2, 300)
    treatment = rng.normal(10.6, 3.5, 220)
    result = analyze_ab(
        {"a": SufficientStats.from_array(control), "b": SufficientStats.from_array(treatment)},
        "a",
        metric_type="mean",
    ).results[0]
    ref = stats.ttest_ind(treatment, control, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert result.estimate == pytest.approx(treatment.mean() - control.mean(), rel=1e-12)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert result.difference.ci_low == pytest.approx(ci.low, rel=1e-9)
    assert result.difference.ci_high == pytest.approx(ci.high, rel=1e-9)
    assert result.difference.estimate / result.difference.std_error == pytest.approx(
        ref.statistic, rel=1e-9
    )


def test_difference_in_proportions_matches_statsmodels_wald(rng):
    control = (rng.random(5000) < 0.10).astype(float)
    treatment = (rng.random(5200) < 0.115).astype(float)
    analysis = analyze_ab(
        {"c": SufficientStats.from_array(control), "t": SufficientStats.from_array(treatment)},
        "c",
    )
    assert analysis.metric_type == "proportion"
    result = analysis.results[0]
    ref = sm_proportion.test_proportions_2indep(
        treatment.sum(), treatment.size, control.sum(), control.size, method="wald"
    )
    p1, p0 = treatment.mean(), control.mean()
    se = math.sqrt(p1 * (1 - p1) / treatment.size + p0 * (1 - p0) / control.size)
    assert result.estimate == pytest.approx(p1 - p0, rel=1e-12)
    assert result.difference.std_error == pytest.approx(se, rel=1e-12)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-6)


def test_relative_lift_delta_method_matches_numerical_gradient(rng):
    control = rng.exponential(5.0, 800)
    treatment = rng.exponential(5.6, 700)
    result = analyze_ab(
        {"c": SufficientStats.from_array(control), "t": SufficientStats.from_array(treatment)},
        "c",
    ).results[0]
    m_c, m_t = control.mean(), treatment.mean()
    v_c = control.var(ddof=1) / control.size
    v_t = treatment.var(ddof=1) / treatment.size
    h = 1e-6

    def f(mt, mc):
        return mt / mc - 1

    grad = np.array(
        [
            (f(m_t + h, m_c) - f(m_t - h, m_c)) / (2 * h),
            (f(m_t, m_c + h) - f(m_t, m_c - h)) / (2 * h),
        ]
    )
    se_ref = math.sqrt(grad @ np.diag([v_t, v_c]) @ grad)
    assert result.relative_lift.estimate == pytest.approx(m_t / m_c - 1, rel=1e-12)
    assert result.relative_lift.std_error == pytest.approx(se_ref, rel=1e-6)
    z = stats.norm.ppf(0.975)
    assert result.relative_lift.ci_low == pytest.approx(m_t / m_c - 1 - z * se_ref, rel=1e-6)


def test_ratio_metric_delta_method_matches_unit_linearisation(rng):
    # cost per completed case: y = cost per unit, x = cases per unit
    def arm(n, cost):
        cases = rng.integers(1, 6, n).astype(float)
        spend = cases * cost + rng.normal(0, 4, n)
        return spend, cases

    yc, xc = arm(1500, 20.0)
    yt, xt = arm(1400, 19.0)
    result = analyze_ab(
        {"c": SufficientStats.from_array(yc, xc), "t": SufficientStats.from_array(yt, xt)},
        "c",
        metric_type="ratio",
    ).results[0]

    def linearised_variance(y, x):
        ratio = y.sum() / x.sum()
        influence = (y - ratio * x) / x.mean()
        return ratio, influence.var(ddof=1) / y.size

    rc, vc = linearised_variance(yc, xc)
    rt, vt = linearised_variance(yt, xt)
    assert result.estimate == pytest.approx(rt - rc, rel=1e-12)
    assert result.difference.std_error == pytest.approx(math.sqrt(vc + vt), rel=1e-9)
    assert result.p_value == pytest.approx(
        2 * stats.norm.sf(abs(rt - rc) / math.sqrt(vc + vt)), rel=1e-9
    )


def test_cuped_equals_ols_regression_adjustment_and_reports_variance_reduction(rng):
    n = 3000
    pre = rng.normal(50, 10, n)
    arm = rng.integers(0, 2, n)
    y = 5 + 0.8 * pre + 1.5 * arm + rng.normal(0, 6, n)
    analysis = analyze_ab(
        {
            "c": SufficientStats.from_array(y[arm == 0], pre[arm == 0]),
            "t": SufficientStats.from_array(y[arm == 1], pre[arm == 1]),
        },
        "c",
    )
    result = analysis.results[0]
    ols = sm.OLS(y, sm.add_constant(np.column_stack([arm, pre]))).fit()
    assert analysis.cuped
    assert result.estimate == pytest.approx(ols.params[1], rel=1e-9)
    assert result.difference.std_error == pytest.approx(ols.bse[1], rel=0.02)
    # Theory (Deng et al. 2013): variance shrinks by rho^2, the within-arm correlation squared.
    resid_y = y - np.where(arm == 1, y[arm == 1].mean(), y[arm == 0].mean())
    resid_x = pre - np.where(arm == 1, pre[arm == 1].mean(), pre[arm == 0].mean())
    rho = np.corrcoef(resid_y, resid_x)[0, 1]
    assert result.variance_reduction == pytest.approx(rho**2, abs=0.02)
    assert result.variance_reduction is not None and result.variance_reduction > 0.5
    unadjusted = stats.ttest_ind(y[arm == 1], y[arm == 0], equal_var=False)
    unadjusted_se = (y[arm == 1].mean() - y[arm == 0].mean()) / unadjusted.statistic
    assert result.difference.std_error < 0.7 * unadjusted_se


def test_srm_matches_scipy_chisquare_and_flags_below_0001():
    counts = {"control": 50_000, "treatment": 48_800}
    result = srm_check(counts)
    ref = stats.chisquare([50_000, 48_800])
    assert result.chi2 == pytest.approx(ref.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert ref.pvalue < 0.001
    assert result.flagged is True
    assert srm_check({"a": 1000, "b": 1010}).flagged is False
    weighted = srm_check({"a": 900, "b": 100}, expected_split={"a": 0.9, "b": 0.1})
    assert weighted.p_value == pytest.approx(1.0)
    three = srm_check({"a": 1000, "b": 1100, "c": 1200})
    assert three.p_value == pytest.approx(stats.chisquare([1000, 1100, 1200]).pvalue, rel=1e-9)


def test_srm_failure_downgrades_evidence_of_an_ab_test(rng):
    arms = {
        "c": SufficientStats.from_array(rng.normal(0, 1, 10_000)),
        "t": SufficientStats.from_array(rng.normal(0, 1, 9_000)),
    }
    analysis = analyze_ab(arms, "c")
    assert analysis.srm.flagged
    assert analysis.evidence.maryland_sms == 3
    assert any("sample ratio mismatch" in r for r in analysis.evidence.reasons)


def test_holm_and_bh_match_statsmodels_multipletests(rng):
    p = rng.uniform(0, 0.2, 17)
    p[3] = p[7]  # ties
    assert holm_adjust(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-12)
    assert bh_adjust(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], rel=1e-12)


def test_multi_arm_and_multi_metric_adjustments_cover_the_whole_family(rng):
    arms_a = {
        name: SufficientStats.from_array(rng.normal(loc, 1, 400))
        for name, loc in (("control", 0), ("b", 0.15), ("c", 0.05), ("d", 0.2))
    }
    arms_b = {
        name: SufficientStats.from_array((rng.random(400) < p).astype(float))
        for name, p in (("control", 0.3), ("b", 0.33), ("c", 0.3), ("d", 0.35))
    }
    single = analyze_ab(arms_a, "control")
    raw = [r.p_value for r in single.results]
    assert [r.p_value_holm for r in single.results] == pytest.approx(
        multipletests(raw, method="holm")[1]
    )
    report = analyze_ab_metrics({"time": arms_a, "done": arms_b}, "control")
    family = [r for a in report.analyses.values() for r in a.results]
    assert len(family) == 6
    raw = [r.p_value for r in family]
    assert [r.p_value_holm for r in family] == pytest.approx(multipletests(raw, method="holm")[1])
    assert [r.p_value_bh for r in family] == pytest.approx(multipletests(raw, method="fdr_bh")[1])


def test_bayes_summary_matches_numerical_integration():
    d, se = 0.3, 0.25
    summary = bayes_summary(difference=d, std_error=se, alpha=0.1)
    posterior = stats.norm(d, se)
    chance = integrate.quad(posterior.pdf, 0, np.inf)[0]
    loss = integrate.quad(lambda x: -x * posterior.pdf(x), -np.inf, 0)[0]
    assert summary.chance_to_beat_control == pytest.approx(chance, rel=1e-8)
    assert summary.expected_loss == pytest.approx(loss, rel=1e-6)
    assert summary.credible_low == pytest.approx(posterior.ppf(0.05), rel=1e-9)
    assert summary.credible_high == pytest.approx(posterior.ppf(0.95), rel=1e-9)
    lower_better = bayes_summary(difference=d, std_error=se, higher_is_better=False)
    assert lower_better.chance_to_beat_control == pytest.approx(1 - chance, rel=1e-8)


def test_non_inferiority_matches_statsmodels_one_sided_welch(rng):
    control = rng.normal(100, 15, 500)
    treatment = rng.normal(99, 15, 480)
    margin = 3.0
    result = analyze_ab(
        {"c": SufficientStats.from_array(control), "t": SufficientStats.from_array(treatment)},
        "c",
        non_inferiority_margin=margin,
    ).results[0]
    _, p_ref, _ = sm_ttest_ind(
        treatment, control, alternative="larger", usevar="unequal", value=-margin
    )
    assert result.non_inferiority is not None
    assert result.non_inferiority.p_value == pytest.approx(p_ref, rel=1e-7)
    assert result.non_inferiority.non_inferior == bool(p_ref < 0.05)
    worse = non_inferiority(difference=-5.0, std_error=1.0, margin=3.0)
    assert worse.non_inferior is False


def test_bad_arms_are_rejected_with_named_problems(rng):
    good = SufficientStats.from_array(rng.normal(0, 1, 10))
    with pytest.raises(StatsInputError, match="control arm 'x'"):
        analyze_ab({"a": good, "b": good}, "x")
    with pytest.raises(StatsInputError, match="arm 'b' has 1 unit"):
        analyze_ab({"a": good, "b": SufficientStats.from_array([1.0])}, "a")
    constant = SufficientStats.from_array(np.ones(10))
    with pytest.raises(StatsInputError, match="constant"):
        analyze_ab({"a": constant, "b": constant}, "a", metric_type="mean")
