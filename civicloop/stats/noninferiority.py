"""Non-inferiority of a guardrail metric: a one-sided test against a margin (used by ab.py)."""

from __future__ import annotations

from dataclasses import dataclass

from scipy import special

from civicloop.stats._common import StatsInputError, check_alpha, finite_or_none, z_quantile


@dataclass(frozen=True, slots=True)
class NonInferiorityResult:
    """One-sided test of H0: effect <= -margin (or >= +margin when lower is better)."""

    margin: float
    bound: float
    p_value: float
    non_inferior: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "margin": self.margin,
            "bound": finite_or_none(self.bound),
            "p_value": finite_or_none(self.p_value),
            "non_inferior": self.non_inferior,
        }


def non_inferiority(
    *,
    difference: float,
    std_error: float,
    margin: float,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    df: float | None = None,
) -> NonInferiorityResult:
    """Non-inferiority test for a guardrail metric.

    H0: the treatment is worse than control by at least ``margin`` (absolute units, > 0).
    Non-inferior when the one-sided (1 - alpha) bound clears -margin (or +margin when lower is
    better); equivalently the one-sided p-value is below alpha (Wellek, "Testing Statistical
    Hypotheses of Equivalence and Noninferiority", 2nd ed., ch. 2).
    """
    if not margin > 0:
        raise StatsInputError(f"non-inferiority margin must be positive, got {margin}")
    check_alpha(alpha)
    if df is None:
        q = z_quantile(1 - alpha)
    else:
        q = float(special.stdtrit(df, 1 - alpha))
    if higher_is_better:
        stat = (difference + margin) / std_error
        bound = difference - q * std_error
        non_inf = bound > -margin
    else:
        stat = (margin - difference) / std_error
        bound = difference + q * std_error
        non_inf = bound < margin
    p_value = float(special.ndtr(-stat) if df is None else special.stdtr(df, -stat))
    return NonInferiorityResult(
        margin=margin, bound=bound, p_value=p_value, non_inferior=bool(non_inf)
    )
