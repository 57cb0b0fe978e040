"""Post-stratification weights and weighted estimates with Kish's effective sample size.

Post-stratification (Holt and Smith 1979, JRSS A 142(1); Lohr 2019, *Sampling: Design and
Analysis*, 3rd ed., section 4.4): respondent i in group h gets the weight

    w_h = P_h / (n_h / n)

where P_h is the group's known share of the population and n_h / n its share of the
respondents, so that the weighted mix of respondents equals the population's. The weights
have mean 1 and add up to n. The weighted (Hajek) estimate of a mean or proportion is

    y_w = sum(w_i y_i) / sum(w_i).

Intervals replace n by Kish's (1965, *Survey Sampling*, section 11.7) effective sample size

    n_eff = (sum w_i)^2 / sum(w_i^2)

which equals n for equal weights and falls as the weights grow unequal:

* mean: SE^2 = [sum w_i (y_i - y_w)^2 / sum w_i] / (n_eff - 1), Student t on n_eff - 1
  degrees of freedom (with equal weights: s^2 / n and the usual t interval);
* proportion: the Wilson (1927) score interval with n replaced by n_eff (the
  "effective sample size" Wilson interval, e.g. Dean and Pagano 2015, JSSAM 3(4));
* net share p_+ - p_- (e.g. NPS): the multinomial variance with n_eff,
  Var = [p_+ + p_- - (p_+ - p_-)^2] / n_eff, normal interval clipped to [-1, 1].

The Kish approximation assumes the outcome's spread is similar across groups; it ignores the
variance a post-stratified estimator gains when the groups differ in their outcome, so it is
usually the wider of the two.

A group with a population share but no respondents has no weight: n_h = 0 and nothing can be
weighted up. It is left out and the other groups' shares are rescaled to add up to 1, so the
weighted estimate describes the population without that group (``covered_share`` says how much
of the population is left). Respondents whose group is unknown or has no (or a zero)
population share get weight 0 and are counted in ``left_out``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from civicloop.stats._common import StatsInputError


@dataclass(frozen=True, slots=True)
class PostStratification:
    """Weights for each respondent (0 for those left out) and what was done per group."""

    weights: tuple[float, ...]
    group_weights: dict[str, float | None]  # None: the group has no respondents
    group_counts: dict[str, int]
    shares: dict[str, float]  # the population shares as given, normalised to add up to 1
    empty_groups: tuple[str, ...]  # groups with a share but no respondents: left out
    left_out: int  # respondents with no group, or a group outside the shares
    covered_share: float  # population share of the groups that have respondents

    @property
    def n(self) -> int:
        """Respondents who carry a weight."""
        return sum(self.group_counts.values())


@dataclass(frozen=True, slots=True)
class WeightedEstimate:
    """A weighted estimate with its standard error, 95% (or 1 - alpha) interval, n and n_eff.

    Every number is ``nan`` when there is nothing to estimate from (n = 0), and the interval
    is ``nan`` when it is undefined (a mean with n_eff <= 1).
    """

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float


def poststratify(groups: Sequence[str | None], shares: Mapping[str, float]) -> PostStratification:
    """Post-stratification weights w_h = P_h / (n_h / n), one per respondent, in order.

    ``groups`` gives each respondent's group (None when unknown); ``shares`` the population
    share of each group (any positive scale: they are normalised). Groups without
    respondents are left out and the remaining shares rescaled (see the module docstring).
    """
    if not shares:
        raise StatsInputError("shares: give the population share of at least one group")
    for key, value in shares.items():
        if not (math.isfinite(value) and value >= 0):
            raise StatsInputError(f"shares: the share of {key!r} must be 0 or more")
    total = float(sum(shares.values()))
    if total <= 0:
        raise StatsInputError("shares: the shares must add up to more than 0")
    normalised = {k: float(v) / total for k, v in shares.items() if v > 0}
    counts = Counter(g for g in groups if g is not None and g in normalised)
    present = {k: p for k, p in normalised.items() if counts[k] > 0}
    empty = tuple(k for k in normalised if counts[k] == 0)
    covered = sum(present.values())
    n = sum(counts.values())
    group_weights: dict[str, float | None] = {
        k: ((p / covered) / (counts[k] / n) if k in present else None)
        for k, p in normalised.items()
    }
    weights = tuple(
        float(group_weights[g] or 0.0) if g is not None and g in present else 0.0 for g in groups
    )
    return PostStratification(
        weights=weights,
        group_weights=group_weights,
        group_counts={k: counts[k] for k in normalised},
        shares=normalised,
        empty_groups=empty,
        left_out=len(groups) - n,
        covered_share=covered,
    )


def kish_effective_n(weights: ArrayLike) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2; 0 when every weight is 0."""
    w = _weights(weights)
    sum_sq = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / sum_sq if sum_sq > 0 else 0.0


def weighted_mean(
    values: ArrayLike, weights: ArrayLike, *, alpha: float = 0.05
) -> WeightedEstimate:
    """Weighted mean with a Student t interval on n_eff - 1 degrees of freedom."""
    y, w = _pair(values, weights)
    n, n_eff = int(np.count_nonzero(w)), kish_effective_n(w)
    if n == 0:
        return _nothing()
    mean = float(np.sum(w * y) / np.sum(w))
    if n_eff <= 1:
        return WeightedEstimate(mean, math.nan, math.nan, math.nan, n, n_eff)
    spread = float(np.sum(w * (y - mean) ** 2) / np.sum(w))
    se = math.sqrt(spread / (n_eff - 1))
    q = float(special.stdtrit(n_eff - 1, 1 - alpha / 2))
    return WeightedEstimate(mean, se, mean - q * se, mean + q * se, n, n_eff)


def weighted_proportion(
    successes: ArrayLike, weights: ArrayLike, *, alpha: float = 0.05
) -> WeightedEstimate:
    """Weighted share of successes with the Wilson score interval on n_eff."""
    x, w = _pair(successes, weights)
    if np.any((x != 0) & (x != 1)):
        raise StatsInputError("successes: each value must be 0 or 1 (True or False)")
    n, m = int(np.count_nonzero(w)), kish_effective_n(w)
    if n == 0:
        return _nothing()
    p = float(np.sum(w * x) / np.sum(w))
    z = float(special.ndtri(1 - alpha / 2))
    denom = 1 + z * z / m
    centre = (p + z * z / (2 * m)) / denom
    half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
    se = math.sqrt(p * (1 - p) / m)
    return WeightedEstimate(p, se, max(0.0, centre - half), min(1.0, centre + half), n, m)


def weighted_net_share(
    positive: ArrayLike, negative: ArrayLike, weights: ArrayLike, *, alpha: float = 0.05
) -> WeightedEstimate:
    """Weighted p_+ - p_- (NPS / 100) with the multinomial variance on n_eff, clipped to +-1."""
    pos, w = _pair(positive, weights)
    neg, _ = _pair(negative, weights)
    if np.any((pos != 0) & (pos != 1)) or np.any((neg != 0) & (neg != 1)):
        raise StatsInputError("positive, negative: each value must be 0 or 1 (True or False)")
    if np.any((pos == 1) & (neg == 1)):
        raise StatsInputError("positive, negative: a respondent cannot be both")
    n, m = int(np.count_nonzero(w)), kish_effective_n(w)
    if n == 0:
        return _nothing()
    p_pos = float(np.sum(w * pos) / np.sum(w))
    p_neg = float(np.sum(w * neg) / np.sum(w))
    diff = p_pos - p_neg
    se = math.sqrt(max(p_pos + p_neg - diff * diff, 0.0) / m)
    z = float(special.ndtri(1 - alpha / 2))
    return WeightedEstimate(diff, se, max(-1.0, diff - z * se), min(1.0, diff + z * se), n, m)


def _weights(weights: ArrayLike) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise StatsInputError("weights: each weight must be a finite number, 0 or more")
    return w


def _pair(values: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(values, dtype=float).ravel()
    w = _weights(weights)
    if y.shape != w.shape:
        raise StatsInputError(f"weights: got {w.size} weights for {y.size} values")
    if not np.all(np.isfinite(y[w > 0])):
        raise StatsInputError("values: each weighted value must be a finite number")
    return np.where(w > 0, y, 0.0), w


def _nothing() -> WeightedEstimate:
    return WeightedEstimate(math.nan, math.nan, math.nan, math.nan, 0, 0.0)
