"""Always-valid monitoring: A/A tests peeked at daily keep the false-positive rate <= alpha."""

import math

import numpy as np
import pytest
from scipy import special

from civicloop.stats import SufficientStats, analyze_ab, confidence_sequence
from civicloop.stats.sequential import cs_half_width, cs_rho

ALPHA = 0.05


def test_half_width_is_theorem_2_2_of_waudby_smith_et_al():
    # Waudby-Smith et al. (2023), Thm 2.2 boundary written out independently.
    t, sigma, rho = 5000, 2.0, 0.01
    expected = sigma * math.sqrt(
        (2 * (t * rho**2 + 1)) / (t**2 * rho**2) * math.log(math.sqrt(t * rho**2 + 1) / ALPHA)
    )
    assert cs_half_width(sigma=sigma, n=t, alpha=ALPHA, rho=rho) == pytest.approx(expected)
    # The optimal rho for t* (their eq. B.1).
    assert cs_rho(alpha=ALPHA, tuning_n=t) == pytest.approx(
        math.sqrt((-2 * math.log(ALPHA) + math.log(-2 * math.log(ALPHA) + 1)) / t)
    )


def test_confidence_sequence_is_wider_than_the_fixed_horizon_interval():
    cs = confidence_sequence(estimate=0.1, std_error=0.05, n=10_000, alpha=ALPHA)
    z = special.ndtri(1 - ALPHA / 2)
    assert cs.ci_high - cs.ci_low > 2 * z * 0.05
    # p-value: the alpha at which the sequence (same rho, fixed in advance) touches zero
    rho = cs_rho(alpha=ALPHA, tuning_n=10_000)
    sigma = 0.05 * math.sqrt(10_000)
    edge = cs_half_width(sigma=sigma, n=10_000, alpha=cs.p_value, rho=rho)
    assert 0 < cs.p_value < 1
    assert edge == pytest.approx(0.1, rel=1e-9)


def _simulate_peeking(rng, sims=300, days=30, per_day=100, shift=0.0):
    """Return (sequential, naive) rejection flags over daily looks at A/A tests."""
    seq_reject = np.zeros(sims, dtype=bool)
    naive_reject = np.zeros(sims, dtype=bool)
    z = special.ndtri(1 - ALPHA / 2)
    tuning_n = 2 * days * per_day
    for s in range(sims):
        a = rng.exponential(1.0, (days, per_day))
        b = rng.exponential(1.0, (days, per_day)) + shift
        a_cum = np.cumsum(a.sum(axis=1)), np.cumsum((a * a).sum(axis=1))
        b_cum = np.cumsum(b.sum(axis=1)), np.cumsum((b * b).sum(axis=1))
        for d in range(days):
            n = (d + 1) * per_day
            arms = {
                "a": SufficientStats(n=n, sum=a_cum[0][d], sum_sq=a_cum[1][d]),
                "b": SufficientStats(n=n, sum=b_cum[0][d], sum_sq=b_cum[1][d]),
            }
            result = analyze_ab(
                arms, "a", metric_type="mean", sequential=True, sequential_tuning_n=tuning_n
            ).results[0]
            if result.difference.ci_low > 0 or result.difference.ci_high < 0:
                seq_reject[s] = True
            fixed = result.fixed_horizon
            if abs(fixed.estimate / fixed.std_error) > z:
                naive_reject[s] = True
            if seq_reject[s] and naive_reject[s]:
                break
    return seq_reject, naive_reject


def test_daily_peeking_at_aa_tests_keeps_false_positives_at_or_below_alpha():
    rng = np.random.default_rng(7)
    seq_reject, naive_reject = _simulate_peeking(rng)
    # Always-valid: the chance of ever rejecting a true null over 30 looks stays <= alpha.
    assert seq_reject.mean() <= ALPHA
    # The same looks with the fixed-horizon test inflate false positives well above alpha,
    # which is the failure the confidence sequence prevents.
    assert naive_reject.mean() > 2 * ALPHA


def test_confidence_sequence_still_detects_a_real_effect_while_peeking():
    # 0.1 SD true effect, 3,000 units per arm by day 30: a fixed-horizon test would have
    # ~92% power; the always-valid sequence pays some power for unlimited looks but most
    # runs must still stop with a detection, so the sequence is not vacuously wide.
    rng = np.random.default_rng(8)
    seq_reject, _ = _simulate_peeking(rng, sims=100, shift=0.1)
    assert seq_reject.mean() >= 0.6
