"""Survey scores with confidence intervals. Pure functions on plain numbers (no Django).

* Shares (GOV.UK satisfaction, CSAT, CX "agree"): Wilson (1927) score interval.
* Means (CX driver means, SUS): Student t interval.
* NPS = 100 (p_P - p_D). With multinomial proportions Var(p_P - p_D) =
  [p_P (1 - p_P) + p_D (1 - p_D) + 2 p_P p_D] / n = [p_P + p_D - (p_P - p_D)^2] / n
  (e.g. Rocks 2016, "Interval estimation for the Net Promoter Score", The American
  Statistician 70(4)); normal interval, clipped to [-100, 100].
* SUS (Brooke 1996): odd items score - 1, even items 5 - score, sum times 2.5 (0..100).
* Post-stratified (weighted) versions of each score: `weighted_score`, with the weights and
  Kish effective-sample-size intervals of `civicloop.stats.weighted`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy import special, stats

from civicloop.stats import weighted

Z95 = float(special.ndtri(0.975))


@dataclass(frozen=True)
class Score:
    key: str  # e.g. "govuk", "csat", "nps", "sus", "cx:ease"
    label: str
    kind: str  # "share" (percent), "mean", "nps"
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    mean: float | None = None  # the mean on the original scale, for scale items

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(successes: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (as fractions)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def share_score(
    key: str, label: str, values: Sequence[int], *, top: Iterable[int], mean: bool = True
) -> Score:
    """Percentage of answers in `top` (e.g. 4 and 5 on a 5-point scale), Wilson 95% CI."""
    n = len(values)
    top_set = set(top)
    hits = sum(1 for v in values if v in top_set)
    if n == 0:
        return Score(key, label, "share", None, None, None, 0)
    low, high = wilson_interval(hits, n)
    avg = sum(values) / n if mean else None
    return Score(key, label, "share", 100 * hits / n, 100 * low, 100 * high, n, avg)


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and its Student t 95% interval."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = float(stats.t.ppf(0.975, n - 1)) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def nps_score(values: Sequence[int], *, key: str = "nps", label: str = "NPS") -> Score:
    """Net Promoter Score (-100..100) with the multinomial-variance normal interval."""
    n = len(values)
    if n == 0:
        return Score(key, label, "nps", None, None, None, 0)
    p_promoters = sum(1 for v in values if v >= 9) / n
    p_detractors = sum(1 for v in values if v <= 6) / n
    diff = p_promoters - p_detractors
    var = (p_promoters + p_detractors - diff * diff) / n
    half = Z95 * math.sqrt(max(var, 0.0))
    return Score(
        key,
        label,
        "nps",
        100 * diff,
        max(-100.0, 100 * (diff - half)),
        min(100.0, 100 * (diff + half)),
        n,
        sum(values) / n,
    )


def sus_total(items: Sequence[int]) -> float:
    """One respondent's SUS score from the ten 1-5 item answers, in item order."""
    if len(items) != 10:
        raise ValueError("items: SUS needs all ten answers")
    contributions = [(v - 1) if i % 2 == 0 else (5 - v) for i, v in enumerate(items)]
    return 2.5 * sum(contributions)


def sus_score(totals: Sequence[float], *, key: str = "sus", label: str = "SUS") -> Score:
    if not totals:
        return Score(key, label, "mean", None, None, None, 0)
    mean, low, high = mean_interval(list(totals))
    return Score(key, label, "mean", mean, _finite(low), _finite(high), len(totals), mean)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Representativeness:
    dimension: str
    n: int
    categories: list[dict[str, Any]]  # category, observed, observed_share, expected_share, weight
    chi2: float | None
    p_value: float | None
    under_represented: list[str]


def representativeness(
    dimension: str,
    observed: dict[str, int],
    expected_shares: dict[str, float],
    *,
    alpha: float = 0.05,
) -> Representativeness:
    """Chi-square goodness of fit of respondents against a group's known make-up.

    A category is flagged as under-represented when its adjusted (standardised) residual is
    below -1.96, i.e. (O - E) / sqrt(E (1 - p)) < -1.96 (Agresti 2007, 2.4.5). The
    post-stratification weight of a category is expected share / observed share, the weight
    `weighted_score` applies: a category without respondents has none (None), and the
    others' expected shares are first rescaled to add up to 1 without it.
    """
    total_share = sum(expected_shares.values())
    shares = {k: v / total_share for k, v in expected_shares.items() if v > 0}
    n = sum(observed.get(k, 0) for k in shares)
    rows: list[dict[str, Any]] = []
    flagged: list[str] = []
    chi2 = p_value = None
    if n > 0:
        obs = [observed.get(k, 0) for k in shares]
        exp = [n * p for p in shares.values()]
        result = stats.chisquare(obs, exp)
        chi2, p_value = float(result.statistic), float(result.pvalue)
        strata = weighted.poststratify(
            [k for k, o in zip(shares, obs, strict=True) for _ in range(o)], shares
        )
        for (category, p), o, e in zip(shares.items(), obs, exp, strict=True):
            residual = (o - e) / math.sqrt(e * (1 - p)) if 0 < p < 1 else 0.0
            if residual < -1.96:
                flagged.append(category)
            rows.append(
                {
                    "category": category,
                    "observed": o,
                    "observed_share": o / n,
                    "expected_share": p,
                    "residual": residual,
                    "weight": strata.group_weights[category],
                }
            )
    return Representativeness(dimension, n, rows, chi2, p_value, flagged)


@dataclass(frozen=True)
class WeightedScore:
    """A score post-stratified to a target group's known shares along one dimension.

    `n` counts the respondents weighted, `left_out` those who answered the score but could
    not be weighted (no group given, or a group outside the target's), `empty_groups` the
    target's groups with no respondent for this score (left out, the rest rescaled) and
    `covered_share` the target share of the groups that remain.
    """

    key: str
    label: str
    kind: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    n_eff: float | None
    left_out: int
    empty_groups: list[str]
    covered_share: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def weighted_score(
    key: str,
    label: str,
    kind: str,
    values: Sequence[float],
    groups: Sequence[str | None],
    shares: dict[str, float],
    *,
    top: Iterable[int] = (4, 5),
) -> WeightedScore:
    """The post-stratified version of a score: shares (Wilson on n_eff), NPS (weighted
    multinomial on n_eff) or means (t on n_eff - 1), on the same scale as the unweighted one."""
    strata = weighted.poststratify(groups, shares)
    if kind == "share":
        top_set = set(top)
        result = weighted.weighted_proportion([v in top_set for v in values], strata.weights)
        scale = 100.0
    elif kind == "nps":
        result = weighted.weighted_net_share(
            [v >= 9 for v in values], [v <= 6 for v in values], strata.weights
        )
        scale = 100.0
    elif kind == "mean":
        result = weighted.weighted_mean(values, strata.weights)
        scale = 1.0
    else:
        raise ValueError(f"kind: choose share, nps or mean, not {kind!r}")

    def scaled(x: float) -> float | None:
        return scale * x if math.isfinite(x) else None

    return WeightedScore(
        key,
        label,
        kind,
        scaled(result.estimate),
        scaled(result.ci_low),
        scaled(result.ci_high),
        result.n,
        result.n_eff if result.n else None,
        strata.left_out,
        list(strata.empty_groups),
        strata.covered_share,
    )
