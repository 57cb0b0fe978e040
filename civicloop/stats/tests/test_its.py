"""Interrupted time series against statsmodels OLS with Newey-West HAC fitted independently."""

import numpy as np
import pytest
import statsmodels.api as sm

from civicloop.stats import StatsInputError, interrupted_time_series


@pytest.mark.parametrize("lags", [None, 0, 3])
def test_segmented_regression_matches_statsmodels_hac(lags):
    rng = np.random.default_rng(11)
    t = np.arange(1, 61, dtype=float)
    start = 37.0
    post = (t >= start).astype(float)
    noise = np.zeros(t.size)
    for i in range(1, t.size):  # AR(1) errors: the reason for HAC
        noise[i] = 0.6 * noise[i - 1] + rng.normal(0, 1)
    y = 20 + 0.3 * t + 4.0 * post - 0.2 * (t - start) * post + noise
    shuffled = rng.permutation(t.size)
    result = interrupted_time_series(
        time=t[shuffled], y=y[shuffled], intervention=start, hac_lags=lags
    )
    expected_lags = int(np.floor(4 * (60 / 100) ** (2 / 9))) if lags is None else lags
    x = np.column_stack([np.ones_like(t), t, post, (t - start) * post])
    ref = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": expected_lags})
    assert result.hac_lags == expected_lags
    # level change at T0: our intercept is centred at T0, statsmodels' slope term is not,
    # so compare the slope change directly and the level change via b2 (same in both forms).
    assert result.level_change.estimate == pytest.approx(ref.params[2], rel=1e-9)
    assert result.slope_change.estimate == pytest.approx(ref.params[3], rel=1e-9)
    assert result.pre_slope.estimate == pytest.approx(ref.params[1], rel=1e-9)
    assert result.slope_change.std_error == pytest.approx(ref.bse[3], rel=1e-9)
    assert result.pre_slope.std_error == pytest.approx(ref.bse[1], rel=1e-9)
    assert result.slope_change.p_value == pytest.approx(ref.pvalues[3], rel=1e-7)
    # b2's SE differs between parameterisations (centring moves the level term), so check it
    # against statsmodels on the centred design.
    xc = np.column_stack([np.ones_like(t), t - start, post, (t - start) * post])
    refc = sm.OLS(y, xc).fit(cov_type="HAC", cov_kwds={"maxlags": expected_lags})
    assert result.level_change.std_error == pytest.approx(refc.bse[2], rel=1e-9)
    assert result.level_change.ci_low == pytest.approx(refc.conf_int()[2][0], rel=1e-9)


def test_its_rejects_series_without_a_post_period():
    t = np.arange(10.0)
    with pytest.raises(StatsInputError, match="no post period"):
        interrupted_time_series(time=t, y=t * 2 + np.sin(t), intervention=20)
    with pytest.raises(StatsInputError, match="constant"):
        interrupted_time_series(time=t, y=np.ones(10), intervention=5)


def test_hac_standard_errors_match_the_newey_west_formula_written_out():
    """Newey & West (1987) eq. (2): bread (S0 + sum_l w_l (S_l + S_l')) bread, w_l = 1 - l/(L+1)."""
    rng = np.random.default_rng(5)
    t = np.arange(40, dtype=float)
    start, lags = 25.0, 2
    post = (t >= start).astype(float)
    y = 3 + 0.1 * t + 2 * post + np.cumsum(rng.normal(0, 0.5, t.size))
    x = np.column_stack([np.ones_like(t), t - start, post, (t - start) * post])
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    scores = x * (y - x @ beta)[:, None]
    meat = scores.T @ scores
    for lag in range(1, lags + 1):
        cross = scores[lag:].T @ scores[:-lag]
        meat += (1 - lag / (lags + 1)) * (cross + cross.T)
    bread = np.linalg.inv(x.T @ x)
    se = np.sqrt(np.diag(bread @ meat @ bread))
    result = interrupted_time_series(time=t, y=y, intervention=start, hac_lags=lags)
    assert result.level_change.std_error == pytest.approx(se[2], rel=1e-9)
    assert result.slope_change.std_error == pytest.approx(se[3], rel=1e-9)
    assert result.pre_slope.std_error == pytest.approx(se[1], rel=1e-9)
