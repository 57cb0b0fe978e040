"""Non-inferiority and superiority margin tests checked against statsmodels."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind

from civicloop.stats import StatsInputError, SufficientStats, analyze_ab, margin_test


@pytest.fixture
def rng():
    return np.random.default_rng(20240917)


@pytest.mark.parametrize(
    ("hypothesis", "higher_is_better", "null_sign", "alternative"),
    [
        ("non-inferiority", True, -1, "larger"),
        ("non-inferiority", False, +1, "smaller"),
        ("superiority", True, +1, "larger"),
        ("superiority", False, -1, "smaller"),
    ],
)
def test_welch_margin_test_matches_statsmodels_ttest_ind_with_value(
    rng, hypothesis, higher_is_better, null_sign, alternative
):
    control = rng.normal(100, 15, 500)
    treatment = rng.normal(99, 18, 430)
    margin = 2.5
    fixed = analyze_ab(
        {"c": SufficientStats.from_array(control), "t": SufficientStats.from_array(treatment)},
        "c",
    ).results[0]
    result = margin_test(
        difference=fixed.fixed_horizon.estimate,
        std_error=fixed.fixed_horizon.std_error,
        margin=margin,
        hypothesis=hypothesis,
        higher_is_better=higher_is_better,
        df=fixed.fixed_df,
    )
    value = null_sign * margin
    t_ref, p_ref, df_ref = sm_ttest_ind(
        treatment, control, alternative=alternative, usevar="unequal", value=value
    )
    assert result.null_value == value
    assert result.alternative == alternative
    assert result.statistic == pytest.approx(t_ref, rel=1e-9)
    assert result.p_value == pytest.approx(p_ref, rel=1e-9)
    assert result.df == pytest.approx(df_ref, rel=1e-9)
    # The decision is the one-sided confidence bound clearing the H0 boundary.
    clears = result.bound > value if alternative == "larger" else result.bound < value
    assert result.shown == clears == (p_ref < 0.05)


def test_proportion_margin_test_matches_statsmodels_wald_with_value(rng):
    control = (rng.random(4000) < 0.40).astype(float)
    treatment = (rng.random(4000) < 0.395).astype(float)
    fixed = analyze_ab(
        {"c": SufficientStats.from_array(control), "t": SufficientStats.from_array(treatment)},
        "c",
    ).results[0]
    assert fixed.fixed_df is None  # proportions use the normal reference
    result = margin_test(
        difference=fixed.fixed_horizon.estimate,
        std_error=fixed.fixed_horizon.std_error,
        margin=0.03,
    )
    ref = sm_proportion.test_proportions_2indep(
        treatment.sum(), treatment.size, control.sum(), control.size,
        value=-0.03, method="wald", compare="diff", alternative="larger",
    )  # fmt: skip
    assert result.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert result.decision == ("non-inferior" if ref.pvalue < 0.05 else "not shown")


def test_clear_harm_is_not_shown_non_inferior_and_a_clear_gain_is_superior():
    harm = margin_test(difference=-5.0, std_error=1.0, margin=3.0)
    assert harm.decision == "not shown"
    assert harm.p_value == pytest.approx(stats.norm.sf(-2.0), rel=1e-12)
    gain = margin_test(difference=5.0, std_error=1.0, margin=1.0, hypothesis="superiority")
    assert gain.decision == "superior"
    assert gain.bound == pytest.approx(5.0 - stats.norm.ppf(0.95), rel=1e-12)
    faster = margin_test(difference=-5.0, std_error=1.0, margin=1.0, higher_is_better=False)
    assert faster.decision == "non-inferior"


def test_bad_margins_are_rejected_with_the_rule():
    with pytest.raises(StatsInputError, match="non-inferiority margin must be positive"):
        margin_test(difference=0.0, std_error=1.0, margin=0.0)
    with pytest.raises(StatsInputError, match="margin must be a finite number >= 0"):
        margin_test(difference=0.0, std_error=1.0, margin=-1.0)
    with pytest.raises(StatsInputError, match="hypothesis"):
        margin_test(difference=0.0, std_error=1.0, margin=1.0, hypothesis="equivalence")  # type: ignore[arg-type]
    zero_margin_superiority = margin_test(
        difference=0.3, std_error=0.1, margin=0.0, hypothesis="superiority"
    )
    assert zero_margin_superiority.p_value == pytest.approx(stats.norm.sf(3.0), rel=1e-12)
