"""Callaway & Sant'Anna group-time ATTs against manual 2x2 DiDs and a simulated design."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from civicloop.stats import StatsInputError, staggered_did

PERIODS = np.arange(1, 7)
COHORTS = {3: 100, 5: 80, 0: 120}  # 0 = never treated


def simulate(rng, *, pre_trend_violation=0.0):
    rows = []
    unit = 0
    for g, size in COHORTS.items():
        for _ in range(size):
            alpha = rng.normal(0, 3)
            for t in PERIODS:
                effect = 2.0 + 0.5 * (t - g) if g and t >= g else 0.0
                drift = pre_trend_violation * t if g == 5 else 0.0
                y = alpha + 1.5 * t + drift + effect + rng.normal(0, 1)
                rows.append({"unit": unit, "time": t, "g": g, "y": y})
            unit += 1
    return pd.DataFrame(rows)


def true_effect(g, t):
    return 2.0 + 0.5 * (t - g)


@pytest.fixture(scope="module")
def panel():
    return simulate(np.random.default_rng(2021))


@pytest.fixture(scope="module")
def result(panel):
    return staggered_did(
        y=panel["y"], unit=panel["unit"], time=panel["time"], first_treated=panel["g"]
    )


def manual_cell(panel, g, t, control_mask_fn):
    wide = panel.pivot(index="unit", columns="time", values="y")
    first = panel.groupby("unit")["g"].first()
    base = g - 1 if t >= g else t - 1
    change = wide[t] - wide[base]
    treated = first == g
    control = control_mask_fn(first, t, base)
    return change, treated, control


def never(first, t, base):
    return first == 0


def test_every_group_time_att_equals_the_manual_two_by_two_did(panel, result):
    assert len(result.group_time) == 2 * (len(PERIODS) - 1)
    for cell in result.group_time:
        change, treated, control = manual_cell(panel, int(cell.group), int(cell.time), never)
        manual = change[treated].mean() - change[control].mean()
        assert cell.att.estimate == pytest.approx(manual, rel=1e-10, abs=1e-12)
        # The influence-function SE of one cell is the HC0 SE of the 2x2 regression.
        subset = treated | control
        x = sm.add_constant(treated[subset].astype(float).to_numpy())
        hc0 = sm.OLS(change[subset].to_numpy(), x).fit(cov_type="HC0").bse[1]
        assert cell.att.std_error == pytest.approx(hc0, rel=1e-9)


def test_simple_and_event_study_aggregates_recover_the_known_effect(panel, result):
    post = [c for c in result.group_time if c.post]
    sizes = {3: COHORTS[3], 5: COHORTS[5]}
    weights = np.array([sizes[int(c.group)] for c in post], dtype=float)
    manual = weights @ np.array([c.att.estimate for c in post]) / weights.sum()
    truth = weights @ np.array([true_effect(c.group, c.time) for c in post]) / weights.sum()
    assert result.simple_att.estimate == pytest.approx(manual, rel=1e-10)
    assert result.simple_att.ci_low < truth < result.simple_att.ci_high
    by_e = {e.event_time: e for e in result.event_study}
    for e in (0, 1, 2):
        assert by_e[e].att.ci_low < 2.0 + 0.5 * e < by_e[e].att.ci_high
    assert abs(by_e[-1].att.estimate) < 3 * by_e[-1].att.std_error


def test_simple_att_standard_error_agrees_with_a_unit_bootstrap(panel, result):
    rng = np.random.default_rng(5)
    wide = panel.pivot(index="unit", columns="time", values="y")
    first = panel.groupby("unit")["g"].first().reindex(wide.index).to_numpy()
    values = wide.to_numpy()
    n_units, n_periods = values.shape
    unit_ids = np.repeat(np.arange(n_units), n_periods)
    times = np.tile(wide.columns.to_numpy(), n_units)
    draws = []
    for _ in range(100):
        sample = rng.integers(0, n_units, n_units)
        draws.append(
            staggered_did(
                y=values[sample].ravel(),
                unit=unit_ids,
                time=times,
                first_treated=np.repeat(first[sample], n_periods),
            ).simple_att.estimate
        )
    assert result.simple_att.std_error == pytest.approx(np.std(draws, ddof=1), rel=0.25)


def test_pretrend_check_passes_parallel_trends_and_flags_a_violation(result):
    assert result.pretrend is not None
    assert result.pretrend.df == 1 + 3  # pre cells: cohort 3 at t=2; cohort 5 at t=2,3,4
    assert result.pretrend.p_value > 0.01
    assert result.evidence.maryland_sms == 3
    bad_panel = simulate(np.random.default_rng(2), pre_trend_violation=0.8)
    bad = staggered_did(
        y=bad_panel["y"],
        unit=bad_panel["unit"],
        time=bad_panel["time"],
        first_treated=bad_panel["g"],
    )
    assert bad.pretrend is not None
    assert bad.pretrend.p_value < 0.001
    assert bad.evidence.maryland_sms == 2


def test_not_yet_treated_controls_include_later_cohorts(panel):
    result = staggered_did(
        y=panel["y"],
        unit=panel["unit"],
        time=panel["time"],
        first_treated=panel["g"],
        control_group="notyet",
    )
    cell = next(c for c in result.group_time if c.group == 3 and c.time == 4)

    def not_yet(first, t, base):
        return (first == 0) | (first > max(t, base))

    change, treated, control = manual_cell(panel, 3, 4, not_yet)
    assert cell.n_control == COHORTS[0] + COHORTS[5]
    assert cell.att.estimate == pytest.approx(
        change[treated].mean() - change[control].mean(), rel=1e-10
    )


def test_staggered_rejects_panels_without_treatment_or_balance(panel):
    with pytest.raises(StatsInputError, match="no post period"):
        staggered_did(
            y=panel["y"], unit=panel["unit"], time=panel["time"], first_treated=np.zeros(len(panel))
        )
    unbalanced = panel.iloc[1:]
    with pytest.raises(StatsInputError, match="unbalanced"):
        staggered_did(
            y=unbalanced["y"],
            unit=unbalanced["unit"],
            time=unbalanced["time"],
            first_treated=unbalanced["g"],
        )
