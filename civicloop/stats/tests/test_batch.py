"""The batch path gives the same tests as scipy, statsmodels and the per-pair engine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion as sm_proportion

from civicloop.stats import StatsInputError, SufficientStats, analyze_ab
from civicloop.stats.batch import two_arm_batch


def _moments(values: np.ndarray) -> tuple[float, float, float]:
    return float(values.size), float(values.sum()), float((values * values).sum())


@pytest.fixture
def mean_samples() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20261202)
    pairs = []
    for i in range(40):
        n_c, n_t = int(rng.integers(5, 400)), int(rng.integers(5, 400))
        control = rng.normal(10 + i % 3, 1 + i % 5, n_c)
        treatment = rng.normal(10.3 + i % 3, 2 + i % 4, n_t)
        pairs.append((control, treatment))
    return pairs


def _batch_of(pairs: list[tuple[np.ndarray, np.ndarray]], *, alpha: float = 0.05, proportion=False):  # type: ignore[no-untyped-def]
    c = np.array([_moments(a) for a, _ in pairs])
    t = np.array([_moments(b) for _, b in pairs])
    return two_arm_batch(
        n_control=c[:, 0],
        sum_control=c[:, 1],
        sum_sq_control=c[:, 2],
        n_treatment=t[:, 0],
        sum_treatment=t[:, 1],
        sum_sq_treatment=t[:, 2],
        proportion=proportion,
        alpha=alpha,
    )


def test_mean_metrics_match_scipy_welch_test_and_interval(mean_samples) -> None:  # type: ignore[no-untyped-def]
    result = _batch_of(mean_samples, alpha=0.1)
    for i, (control, treatment) in enumerate(mean_samples):
        ref = stats.ttest_ind(treatment, control, equal_var=False)
        ci = ref.confidence_interval(confidence_level=0.9)
        assert result.p_value[i] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
        assert result.df[i] == pytest.approx(ref.df, rel=1e-9)
        assert result.difference[i] == pytest.approx(treatment.mean() - control.mean(), rel=1e-9)
        assert result.ci_low[i] == pytest.approx(ci.low, rel=1e-9)
        assert result.ci_high[i] == pytest.approx(ci.high, rel=1e-9)


def test_proportion_metrics_match_statsmodels_unpooled_wald() -> None:
    rng = np.random.default_rng(7)
    pairs = []
    for _ in range(30):
        n_c, n_t = int(rng.integers(50, 5000)), int(rng.integers(50, 5000))
        pairs.append(
            (
                (rng.random(n_c) < 0.2).astype(float),
                (rng.random(n_t) < 0.23).astype(float),
            )
        )
    result = _batch_of(pairs, proportion=True)
    for i, (control, treatment) in enumerate(pairs):
        args = (treatment.sum(), treatment.size, control.sum(), control.size)
        ref = sm_proportion.test_proportions_2indep(*args, method="wald", compare="diff")
        low, high = sm_proportion.confint_proportions_2indep(*args, method="wald", compare="diff")
        assert result.p_value[i] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
        assert result.ci_low[i] == pytest.approx(low, rel=1e-9, abs=1e-12)
        assert result.ci_high[i] == pytest.approx(high, rel=1e-9, abs=1e-12)
        assert np.isinf(result.df[i])


def test_every_element_equals_the_per_pair_engine(mean_samples) -> None:  # type: ignore[no-untyped-def]
    """Same definitions as analyze_ab (fixed horizon, no CUPED), relative lift included."""
    result = _batch_of(mean_samples)
    for i, (control, treatment) in enumerate(mean_samples):
        analysis = analyze_ab(
            {
                "control": SufficientStats.from_array(control),
                "treatment": SufficientStats.from_array(treatment),
            },
            "control",
            metric_type="mean",
            cuped=False,
        )
        row = analysis.results[0]
        assert result.difference[i] == pytest.approx(row.fixed_horizon.estimate, rel=1e-9)
        assert result.p_value[i] == pytest.approx(row.fixed_horizon.p_value, rel=1e-9, abs=1e-12)
        assert result.relative[i] == pytest.approx(row.relative_lift.estimate, rel=1e-9)
        assert result.relative_ci_low[i] == pytest.approx(row.relative_lift.ci_low, rel=1e-9)
        assert result.relative_p_value[i] == pytest.approx(
            row.relative_lift.p_value, rel=1e-9, abs=1e-12
        )


def test_relative_lift_interval_is_the_delta_method_by_hand() -> None:
    # Control mean 10 (variance of the mean 0.04), treatment mean 11 (0.09), alpha 0.05.
    # Var(lift) = 0.09/100 + 121*0.04/10^4 = 0.001384.
    n = 101
    c_var, t_var = 0.04 * n, 0.09 * n  # unit variances giving those variances of the mean
    result = two_arm_batch(
        n_control=[n],
        sum_control=[10 * n],
        sum_sq_control=[c_var * (n - 1) + n * 100],
        n_treatment=[n],
        sum_treatment=[11 * n],
        sum_sq_treatment=[t_var * (n - 1) + n * 121],
    )
    se = np.sqrt(0.09 / 100 + 121 * 0.04 / 10**4)
    assert result.relative[0] == pytest.approx(0.1)
    assert result.relative_std_error[0] == pytest.approx(se, rel=1e-9)
    assert result.relative_ci_low[0] == pytest.approx(0.1 - stats.norm.ppf(0.975) * se, rel=1e-9)


def test_pairs_that_cannot_be_tested_give_nan_not_a_number() -> None:
    result = two_arm_batch(
        n_control=[1, 10, 10],
        sum_control=[3, 0, 50],
        sum_sq_control=[9, 0, 250],  # third: constant 5 in control
        n_treatment=[10, 10, 10],
        sum_treatment=[30, 5, 50],
        sum_sq_treatment=[100, 5, 250],  # third: constant 5 in treatment too
    )
    assert np.isnan(result.p_value[0]) and np.isnan(result.ci_low[0])
    assert np.isnan(result.relative[1])  # control mean 0: no relative lift
    assert np.isfinite(result.p_value[1])  # the absolute test still stands
    assert np.isnan(result.p_value[2])  # no variance anywhere


def test_arrays_of_different_lengths_name_the_field() -> None:
    with pytest.raises(StatsInputError, match="sum_treatment has 1 values; expected 2"):
        two_arm_batch(
            n_control=[10, 10],
            sum_control=[1, 2],
            sum_sq_control=[1, 2],
            n_treatment=[10, 10],
            sum_treatment=[1],
            sum_sq_treatment=[1, 2],
        )
