"""Savings intervals against closed forms and a large independent simulation."""

import numpy as np
import pytest
from scipy import stats

from civicloop.evidence.efficiency import efficiency_compute, payback_years, savings_interval


def test_savings_interval_is_exact_normal_when_volume_is_known():
    # V = 120,000 appointments, effect 0.061 (se 0.009) missed appointments avoided each, €58 each
    result = savings_interval(
        annual_volume=120_000,
        benefit_per_transaction=0.061,
        benefit_std_error=0.009,
        value_per_unit=58,
    )
    scale = 120_000 * 58
    reference = stats.norm(loc=0.061 * scale, scale=0.009 * scale).interval(0.95)
    assert result.estimate == pytest.approx(424_560)
    assert result.low == pytest.approx(reference[0], rel=1e-9)
    assert result.high == pytest.approx(reference[1], rel=1e-9)


def test_savings_interval_with_uncertain_volume_matches_a_large_simulation():
    rng = np.random.default_rng(7)
    n = 400_000
    volume = rng.normal(50_000, 2_500, n)
    benefit = rng.normal(3.2, 0.4, n)
    simulated = volume * benefit * 1.5
    result = savings_interval(
        annual_volume=50_000,
        volume_std_error=2_500,
        benefit_per_transaction=3.2,
        benefit_std_error=0.4,
        value_per_unit=1.5,
    )
    assert result.std_error == pytest.approx(simulated.std(), rel=0.01)
    lo, hi = np.quantile(simulated, [0.025, 0.975])
    # The product is slightly skewed; the normal interval is within 2% of the simulated one.
    assert result.low == pytest.approx(lo, rel=0.02)
    assert result.high == pytest.approx(hi, rel=0.02)


def test_efficiency_reports_cost_per_transaction_payback_and_cost_per_outcome():
    eff = efficiency_compute(
        annual_volume=120_000,
        cost_per_transaction_before=64,
        benefit_per_transaction=0.061,
        benefit_std_error=0.009,
        value_per_unit=58,
        one_off_cost=180_000,
        annual_running_cost=60_000,
    )
    # Independent reference: the effect is normal, so each figure is a linear map of it.
    effect = stats.norm(0.061, 0.009)
    lo, hi = effect.interval(0.95)
    after = eff.cost_per_transaction_after
    assert after is not None
    assert after.estimate == pytest.approx(64 - 0.061 * 58)
    assert (after.low, after.high) == pytest.approx((64 - hi * 58, 64 - lo * 58))
    assert eff.net_annual_savings is not None
    assert eff.net_annual_savings.estimate == pytest.approx(424_560 - 60_000)
    assert eff.payback_years == pytest.approx(180_000 / 364_560)
    units = eff.outcome_units_per_year
    assert units.estimate == pytest.approx(7_320)
    assert (units.low, units.high) == pytest.approx((120_000 * lo, 120_000 * hi))
    assert eff.cost_per_outcome_unit == pytest.approx(240_000 / 7_320)
    assert eff.cost_per_outcome_unit_range == pytest.approx(
        (240_000 / (120_000 * hi), 240_000 / (120_000 * lo))
    )
    fast, slow = eff.payback_years_range
    assert fast is not None and slow is not None and eff.payback_years is not None
    assert fast < eff.payback_years < slow
    assert (fast, slow) == pytest.approx(
        (180_000 / (120_000 * hi * 58 - 60_000), 180_000 / (120_000 * lo * 58 - 60_000))
    )
    assert eff.missing_inputs == ()


def test_no_value_per_outcome_unit_means_no_savings_and_no_payback():
    eff = efficiency_compute(
        annual_volume=120_000,
        cost_per_transaction_before=64,
        benefit_per_transaction=0.061,
        benefit_std_error=0.009,
        value_per_unit=None,
        one_off_cost=None,
        annual_running_cost=None,
    )
    assert eff.missing_inputs == ("value_per_outcome_unit", "one_off_cost", "annual_running_cost")
    assert eff.savings is None and eff.net_annual_savings is None
    assert eff.cost_per_transaction_after is None
    assert eff.payback_years is None and eff.payback_years_range == (None, None)
    assert eff.cost_per_outcome_unit is None
    # What needs no money value is still shown: outcome units gained, with their interval.
    assert eff.outcome_units_per_year.estimate == pytest.approx(7_320)
    data = eff.to_dict()
    assert data["annual_savings"] is None and data["payback_years"] is None


def test_a_missing_one_off_cost_hides_payback_but_not_net_savings():
    eff = efficiency_compute(
        annual_volume=1_000,
        cost_per_transaction_before=10,
        benefit_per_transaction=2,
        benefit_std_error=0.5,
        value_per_unit=1,
        one_off_cost=None,
        annual_running_cost=500,
    )
    assert eff.missing_inputs == ("one_off_cost",)
    assert eff.net_annual_savings is not None
    assert eff.net_annual_savings.estimate == pytest.approx(1_500)
    assert eff.payback_years is None and eff.cost_per_outcome_unit is None


def test_payback_never_when_savings_do_not_cover_running_costs():
    assert payback_years(one_off_cost=1000, net_annual_savings=-5) is None
    assert payback_years(one_off_cost=0, net_annual_savings=-5) == 0.0


def test_negative_volume_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        savings_interval(annual_volume=-1, benefit_per_transaction=1, benefit_std_error=0.1)
