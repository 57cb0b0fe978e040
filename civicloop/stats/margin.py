"""One-sided tests of a difference against a margin: non-inferiority and superiority.

With ``d`` the treatment-minus-control difference, ``se`` its standard error and ``m > 0`` the
margin in the metric's units, the null boundary ``delta0`` and the alternative are

    hypothesis        higher is better               lower is better
    non-inferiority   H0: delta <= -m  (larger)      H0: delta >= +m  (smaller)
    superiority       H0: delta <= +m  (larger)      H0: delta >= -m  (smaller)

The statistic is ``(d - delta0) / se`` and the p-value its one-sided tail under Student t on
``df`` degrees of freedom (Welch) or the standard normal (``df=None``). The claim is shown when
p < alpha, equivalently when the one-sided (1 - alpha) confidence bound clears ``delta0``
(Wellek, *Testing Statistical Hypotheses of Equivalence and Noninferiority*, 2nd ed., 2010,
ch. 2; Schuirmann 1987). Same convention as ``statsmodels.stats.weightstats.ttest_ind(...,
value=delta0, alternative=...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import special

from civicloop.stats._common import StatsInputError, check_alpha, finite_or_none, z_quantile

Hypothesis = Literal["non-inferiority", "superiority"]
HYPOTHESES: tuple[Hypothesis, ...] = ("non-inferiority", "superiority")
_SHOWN = {"non-inferiority": "non-inferior", "superiority": "superior"}
NOT_SHOWN = "not shown"


@dataclass(frozen=True, slots=True)
class MarginTestResult:
    """A one-sided test of the difference against ``null_value`` (see the module docstring)."""

    hypothesis: Hypothesis
    higher_is_better: bool
    margin: float
    null_value: float
    alternative: Literal["larger", "smaller"]
    statistic: float
    df: float | None
    p_value: float
    bound: float
    alpha: float
    decision: str

    @property
    def shown(self) -> bool:
        return self.decision != NOT_SHOWN

    def to_dict(self) -> dict[str, object]:
        return {
            "hypothesis": self.hypothesis,
            "higher_is_better": self.higher_is_better,
            "margin": finite_or_none(self.margin),
            "null_value": finite_or_none(self.null_value),
            "alternative": self.alternative,
            "statistic": finite_or_none(self.statistic),
            "df": finite_or_none(self.df),
            "p_value": finite_or_none(self.p_value),
            "bound": finite_or_none(self.bound),
            "alpha": self.alpha,
            "decision": self.decision,
        }


def margin_test(
    *,
    difference: float,
    std_error: float,
    margin: float,
    hypothesis: Hypothesis = "non-inferiority",
    higher_is_better: bool = True,
    alpha: float = 0.05,
    df: float | None = None,
) -> MarginTestResult:
    """One-sided non-inferiority or superiority test of ``difference`` against ``margin``."""
    if hypothesis not in HYPOTHESES:
        raise StatsInputError(
            f"hypothesis must be non-inferiority or superiority, got {hypothesis!r}"
        )
    if not math.isfinite(margin) or margin < 0:
        raise StatsInputError(f"margin must be a finite number >= 0, got {margin}")
    if hypothesis == "non-inferiority" and margin == 0:
        raise StatsInputError("a non-inferiority margin must be positive, got 0")
    check_alpha(alpha)
    # Which side is "good" for the treatment, and where H0 ends.
    sign = 1.0 if higher_is_better else -1.0
    null_value = -sign * margin if hypothesis == "non-inferiority" else sign * margin
    alternative: Literal["larger", "smaller"] = "larger" if higher_is_better else "smaller"
    if not (std_error > 0 and math.isfinite(std_error)) or (df is not None and not df > 0):
        return MarginTestResult(
            hypothesis, higher_is_better, margin, null_value, alternative,
            math.nan, df, math.nan, math.nan, alpha, NOT_SHOWN,
        )  # fmt: skip
    statistic = (difference - null_value) / std_error
    toward_alternative = sign * statistic
    if df is None:
        p_value = float(special.ndtr(-toward_alternative))
        q = z_quantile(1 - alpha)
    else:
        p_value = float(special.stdtr(df, -toward_alternative))
        q = float(special.stdtrit(df, 1 - alpha))
    bound = difference - sign * q * std_error
    return MarginTestResult(
        hypothesis=hypothesis,
        higher_is_better=higher_is_better,
        margin=margin,
        null_value=null_value,
        alternative=alternative,
        statistic=statistic,
        df=df,
        p_value=p_value,
        bound=bound,
        alpha=alpha,
        decision=_SHOWN[hypothesis] if p_value < alpha else NOT_SHOWN,
    )
