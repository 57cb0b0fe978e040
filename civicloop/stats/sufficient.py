"""Sufficient statistics: what SQL hands the stats engine instead of raw rows.

For an outcome ``y`` (and optionally a second per-unit quantity ``x``: a pre-period covariate
for CUPED, or the denominator of a ratio metric) the engine needs only

    n, sum(y), sum(y^2), sum(x), sum(x^2), sum(x*y)

per arm. They add across strata, days or partitions, so any SQL engine can aggregate them:

    SELECT variant, COUNT(*), SUM(y), SUM(y*y), SUM(x), SUM(x*x), SUM(x*y) FROM units GROUP BY 1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from civicloop.stats._common import StatsInputError


@dataclass(frozen=True, slots=True)
class SufficientStats:
    """Per-arm moments of an outcome and, optionally, of a covariate or denominator ``x``.

    ``a + b`` gives the statistics of the union of the two samples.
    """

    n: int
    sum: float
    sum_sq: float
    sum_x: float | None = None
    sum_x2: float | None = None
    sum_xy: float | None = None

    def __post_init__(self) -> None:
        if self.n < 0:
            raise StatsInputError(f"n must be non-negative, got {self.n}")
        given = [v is not None for v in (self.sum_x, self.sum_x2, self.sum_xy)]
        if any(given) and not all(given):
            raise StatsInputError("give all of sum_x, sum_x2 and sum_xy, or none of them")
        for name in ("sum", "sum_sq", "sum_x", "sum_x2", "sum_xy"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise StatsInputError(f"{name} must be finite, got {value}")

    @classmethod
    def from_array(cls, y: ArrayLike, x: ArrayLike | None = None) -> SufficientStats:
        """Compute the statistics of one arm from per-unit values (and covariate ``x``)."""
        ya = np.asarray(y, dtype=np.float64).ravel()
        if not np.all(np.isfinite(ya)):
            raise StatsInputError("outcome values must be finite numbers")
        if x is None:
            return cls(n=int(ya.size), sum=float(ya.sum()), sum_sq=float(np.dot(ya, ya)))
        xa = np.asarray(x, dtype=np.float64).ravel()
        if xa.shape != ya.shape:
            raise StatsInputError(f"covariate has {xa.size} values but the outcome has {ya.size}")
        if not np.all(np.isfinite(xa)):
            raise StatsInputError("covariate values must be finite numbers")
        return cls(
            n=int(ya.size),
            sum=float(ya.sum()),
            sum_sq=float(np.dot(ya, ya)),
            sum_x=float(xa.sum()),
            sum_x2=float(np.dot(xa, xa)),
            sum_xy=float(np.dot(xa, ya)),
        )

    def __add__(self, other: SufficientStats) -> SufficientStats:
        if not isinstance(other, SufficientStats):
            return NotImplemented
        if self.has_covariate != other.has_covariate:
            raise StatsInputError("cannot add statistics with and without covariate moments")
        if self.has_covariate:
            return SufficientStats(
                n=self.n + other.n,
                sum=self.sum + other.sum,
                sum_sq=self.sum_sq + other.sum_sq,
                sum_x=_f(self.sum_x) + _f(other.sum_x),
                sum_x2=_f(self.sum_x2) + _f(other.sum_x2),
                sum_xy=_f(self.sum_xy) + _f(other.sum_xy),
            )
        return SufficientStats(
            n=self.n + other.n, sum=self.sum + other.sum, sum_sq=self.sum_sq + other.sum_sq
        )

    @property
    def has_covariate(self) -> bool:
        return self.sum_x is not None

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """Sample variance of y (denominator n - 1)."""
        if self.n < 2:
            return math.nan
        return max(self.sum_sq - self.sum * self.sum / self.n, 0.0) / (self.n - 1)

    @property
    def mean_x(self) -> float:
        return _f(self.sum_x) / self.n if self.n else math.nan

    @property
    def variance_x(self) -> float:
        if self.n < 2:
            return math.nan
        sx = _f(self.sum_x)
        return max(_f(self.sum_x2) - sx * sx / self.n, 0.0) / (self.n - 1)

    @property
    def covariance_xy(self) -> float:
        if self.n < 2:
            return math.nan
        return (_f(self.sum_xy) - _f(self.sum_x) * self.sum / self.n) / (self.n - 1)

    @property
    def is_binary_like(self) -> bool:
        """True when y^2 summed equals y summed, as it does for 0/1 outcomes."""
        return (
            self.n > 0
            and 0 <= self.sum <= self.n
            and math.isclose(self.sum_sq, self.sum, rel_tol=1e-12, abs_tol=1e-9)
        )


# Alias kept for callers that think of the statistics as "the stats of a mean metric".
MeanStats = SufficientStats


def _f(value: float | None) -> float:
    return 0.0 if value is None else value
