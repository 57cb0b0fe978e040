"""Synthetic control: constrained weights, recovered effect, placebo-in-space p-value."""

import numpy as np
import pytest
from scipy import optimize

from civicloop.stats import StatsInputError, synthetic_control
from civicloop.stats.synth import synth_weights


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(42)
    donors, periods, n_pre = 12, 30, 20
    trends = rng.normal(0, 1, (donors, 1)) * np.arange(periods) / 10
    donor_paths = (
        50 + rng.normal(0, 5, (donors, 1)) + trends + rng.normal(0, 0.3, (donors, periods))
    )
    true_w = np.zeros(donors)
    true_w[[1, 4, 7]] = [0.5, 0.3, 0.2]
    treated = true_w @ donor_paths + rng.normal(0, 0.1, periods)
    treated[n_pre:] += 5.0
    outcomes = np.vstack([treated, donor_paths])
    return outcomes, true_w, n_pre


def test_weights_are_on_the_simplex_and_match_an_independent_nnls_solution(design):
    outcomes, true_w, n_pre = design
    result = synthetic_control(outcomes=outcomes, treated=0, n_pre=n_pre)
    w = result.weights
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)
    # Independent solver: NNLS with the sum-to-one constraint as a heavily weighted extra row.
    big = 1e4
    a = np.vstack([outcomes[1:, :n_pre].T, big * np.ones(len(true_w))])
    b = np.concatenate([outcomes[0, :n_pre], [big]])
    ref, _ = optimize.nnls(a, b)
    assert w == pytest.approx(ref, abs=2e-3)
    assert w == pytest.approx(true_w, abs=0.1)


def test_effect_is_recovered_and_placebo_p_value_is_the_smallest_attainable(design):
    outcomes, _, n_pre = design
    result = synthetic_control(outcomes=outcomes, treated=0, n_pre=n_pre)
    assert result.effect.estimate == pytest.approx(5.0, abs=0.5)
    donors = outcomes.shape[0] - 1
    assert result.effect.p_value == pytest.approx(1 / (donors + 1))
    assert len(result.placebo_ratios) == donors
    assert result.evidence.maryland_sms == 3


def test_no_effect_gives_a_large_placebo_p_value(design):
    outcomes, _, n_pre = design
    null = outcomes.copy()
    null[0, n_pre:] -= 5.0
    result = synthetic_control(outcomes=null, treated=0, n_pre=n_pre)
    assert result.effect.p_value > 0.1


def test_synth_weights_solve_the_simplex_least_squares_exactly_on_a_tiny_case():
    # treated = 0.25 * d0 + 0.75 * d1 exactly
    donors = np.array([[1.0, 2.0, 3.0, 5.0], [4.0, 1.0, 0.0, 2.0], [9.0, 9.0, 9.0, 9.0]]).T
    treated = donors[:, :2] @ np.array([0.25, 0.75])
    assert synth_weights(treated, donors) == pytest.approx([0.25, 0.75, 0.0], abs=1e-6)


def test_synth_rejects_too_few_pre_periods():
    with pytest.raises(StatsInputError, match="pre-periods"):
        synthetic_control(outcomes=np.ones((4, 5)), treated=0, n_pre=1)
