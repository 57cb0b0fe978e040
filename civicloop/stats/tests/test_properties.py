"""Invariants of the A/B engine (hypothesis property tests)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from civicloop.stats import SufficientStats, analyze_ab

values = arrays(
    np.float64,
    st.integers(min_value=3, max_value=60),
    elements=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, width=64),
).filter(lambda a: np.ptp(a) > 1e-3)


@settings(max_examples=60, deadline=None)
@given(a=values, b=values)
def test_swapping_arms_flips_the_sign_and_keeps_the_p_value(a, b):
    arms = {"a": SufficientStats.from_array(a), "b": SufficientStats.from_array(b)}
    ab = analyze_ab(arms, "a", metric_type="mean").results[0]
    ba = analyze_ab(arms, "b", metric_type="mean").results[0]
    assert ba.estimate == pytest.approx(-ab.estimate, rel=1e-9, abs=1e-9)
    assert ba.difference.std_error == pytest.approx(ab.difference.std_error, rel=1e-9)
    assert ba.p_value == pytest.approx(ab.p_value, rel=1e-6, abs=1e-12)
    assert ba.difference.ci_low == pytest.approx(-ab.difference.ci_high, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    y=arrays(np.float64, st.integers(2, 80), elements=st.floats(-1e4, 1e4, width=64)),
    split=st.floats(0.0, 1.0),
)
def test_stats_of_two_strata_added_equal_stats_of_the_union(y, split):
    x = np.cos(np.arange(y.size)) * 10 + y / 3
    cut = int(round(split * y.size))
    left = SufficientStats.from_array(y[:cut], x[:cut])
    right = SufficientStats.from_array(y[cut:], x[cut:])
    union = SufficientStats.from_array(y, x)
    added = left + right
    assert added.n == union.n
    for name in ("sum", "sum_sq", "sum_x", "sum_x2", "sum_xy"):
        assert getattr(added, name) == pytest.approx(getattr(union, name), rel=1e-9, abs=1e-6)
    if y.size >= 2:
        assert added.variance == pytest.approx(np.var(y, ddof=1), rel=1e-6, abs=1e-6)


def test_sufficient_stats_can_be_given_directly_as_sql_would():
    y = np.array([1.0, 4.0, 2.0, 8.0])
    direct = SufficientStats(n=4, sum=15.0, sum_sq=85.0)
    assert direct == SufficientStats.from_array(y)
    assert direct.mean == pytest.approx(3.75)
    assert direct.variance == pytest.approx(np.var(y, ddof=1))
