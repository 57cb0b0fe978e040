"""Bayesian summary of a difference under a normal approximation with a flat prior.

With a flat prior the posterior of the true difference delta is N(d, se^2) (the large-sample
likelihood; Gelman et al., Bayesian Data Analysis, 3rd ed., sec. 4.1). Then

    P(treatment beats control) = Phi(d / se)                      (higher is better)
    expected loss of shipping   = E[max(0, -delta)] = se*phi(d/se) - d*Phi(-d/se)
    credible interval           = d +/- z_{1-alpha/2} * se
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from civicloop.stats._common import z_quantile


@dataclass(frozen=True, slots=True)
class BayesSummary:
    chance_to_beat_control: float
    expected_loss: float
    credible_low: float
    credible_high: float


def bayes_summary(
    *, difference: float, std_error: float, alpha: float = 0.05, higher_is_better: bool = True
) -> BayesSummary:
    """Chance to beat control, expected loss and credible interval for a difference."""
    if not std_error > 0:
        return BayesSummary(math.nan, math.nan, math.nan, math.nan)
    signed = difference if higher_is_better else -difference
    ratio = signed / std_error
    chance = float(special.ndtr(ratio))
    density = math.exp(-0.5 * ratio * ratio) / math.sqrt(2 * math.pi)
    loss = std_error * density - signed * float(special.ndtr(-ratio))
    z = z_quantile(1 - alpha / 2)
    return BayesSummary(
        chance_to_beat_control=chance,
        expected_loss=max(loss, 0.0),
        credible_low=difference - z * std_error,
        credible_high=difference + z * std_error,
    )
