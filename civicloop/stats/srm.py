"""Sample ratio mismatch: chi-square goodness of fit of arm sizes to the designed split."""

from __future__ import annotations

from dataclasses import dataclass

from scipy import special

from civicloop.stats._common import StatsInputError

SRM_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class SRMResult:
    chi2: float
    df: int
    p_value: float
    flagged: bool
    observed: dict[str, int]
    expected: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "chi2": self.chi2,
            "df": self.df,
            "p_value": self.p_value,
            "flagged": self.flagged,
            "observed": dict(self.observed),
            "expected": dict(self.expected),
        }


def srm_check(
    counts: dict[str, int],
    *,
    expected_split: dict[str, float] | None = None,
    threshold: float = SRM_THRESHOLD,
) -> SRMResult:
    """Pearson chi-square test of observed arm counts against the designed split.

    ``expected_split`` gives relative weights per arm (need not sum to 1); equal when omitted.
    Flagged when p < ``threshold`` (0.001 by default, the usual SRM alarm level: Fabijan et al.,
    "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments", KDD 2019).
    """
    if len(counts) < 2:
        raise StatsInputError("sample ratio check needs at least two arms")
    names = list(counts)
    if expected_split is None:
        weights = {name: 1.0 for name in names}
    else:
        missing = [name for name in names if name not in expected_split]
        if missing:
            raise StatsInputError(f"expected split has no weight for arm(s) {missing}")
        weights = {name: float(expected_split[name]) for name in names}
        if any(w <= 0 for w in weights.values()):
            raise StatsInputError("expected split weights must be positive")
    total = sum(int(c) for c in counts.values())
    if total <= 0:
        raise StatsInputError("sample ratio check needs at least one unit")
    weight_sum = sum(weights.values())
    expected = {name: total * weights[name] / weight_sum for name in names}
    chi2 = sum((counts[name] - expected[name]) ** 2 / expected[name] for name in names)
    df = len(names) - 1
    p_value = float(special.chdtrc(df, chi2))
    return SRMResult(
        chi2=float(chi2),
        df=df,
        p_value=p_value,
        flagged=p_value < threshold,
        observed={name: int(counts[name]) for name in names},
        expected=expected,
    )
