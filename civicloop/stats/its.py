"""Interrupted time series by segmented regression with Newey-West standard errors.

    y_t = b0 + b1 (t - T0) + b2 post_t + b3 (t - T0) post_t + e_t,   post_t = 1{t >= T0}

b2 is the level change at the intervention T0 and b3 the change in slope (Wagner, Soumerai,
Zhang & Ross-Degnan 2002, "Segmented regression analysis of interrupted time series studies in
medication use research", J Clin Pharm Ther 27:299-309). Standard errors are Newey-West (1987)
HAC with Bartlett weights 1 - l/(L+1) and no small-sample factor, computed by statsmodels'
``cov_hac`` (Stata's ``newey`` multiplies by n/(n-k)); the default lag is
floor(4 (n/100)^(2/9)) (Newey & West 1994). Inference is asymptotically normal. Rows must be
one observation per period, equally spaced; they are sorted by time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from numpy.typing import ArrayLike
from statsmodels.stats.sandwich_covariance import cov_hac

from civicloop.stats._common import Estimate, StatsInputError, check_alpha, normal_estimate
from civicloop.stats.evidence import EvidenceGrade, grade_evidence


@dataclass(frozen=True, slots=True)
class ITSResult:
    level_change: Estimate
    slope_change: Estimate
    pre_slope: Estimate
    intercept: Estimate
    n_obs: int
    n_pre: int
    n_post: int
    hac_lags: int
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        return {
            "level_change": self.level_change.to_dict(),
            "slope_change": self.slope_change.to_dict(),
            "pre_slope": self.pre_slope.to_dict(),
            "intercept": self.intercept.to_dict(),
            "n_obs": self.n_obs,
            "n_pre": self.n_pre,
            "n_post": self.n_post,
            "hac_lags": self.hac_lags,
            "evidence": self.evidence.to_dict(),
        }


def newey_west_lags(n: int) -> int:
    """Newey & West (1994) rule of thumb: floor(4 (n/100)^(2/9))."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def hac_covariance(x: np.ndarray, y: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their Newey-West covariance (Bartlett, no small-sample factor)."""
    fit = sm.OLS(y, x).fit()
    return np.asarray(fit.params), np.asarray(cov_hac(fit, nlags=lags, use_correction=False))


def interrupted_time_series(
    *,
    time: ArrayLike,
    y: ArrayLike,
    intervention: float,
    hac_lags: int | None = None,
    alpha: float = 0.05,
) -> ITSResult:
    """Level and slope change at ``intervention`` (first period of the post segment)."""
    check_alpha(alpha)
    t = np.asarray(time, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if t.size != ya.size:
        raise StatsInputError("time and outcome must have the same length")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(ya))):
        raise StatsInputError("time and outcome must be finite numbers")
    order = np.argsort(t, kind="stable")
    t, ya = t[order], ya[order]
    if np.any(np.diff(t) == 0):
        raise StatsInputError("time has repeated values; give one row per period")
    post = (t >= intervention).astype(np.float64)
    n_post = int(post.sum())
    n_pre = int(t.size - n_post)
    if n_post == 0:
        raise StatsInputError(f"no post period: no time is at or after {intervention}")
    if n_pre < 2:
        raise StatsInputError("need at least two periods before the intervention")
    if n_post < 2:
        raise StatsInputError("need at least two periods from the intervention on")
    if np.ptp(ya) == 0:
        raise StatsInputError("the outcome is constant; there is no change to estimate")
    n = t.size
    if n < 6:
        raise StatsInputError("need at least six periods for a segmented regression")
    lags = newey_west_lags(n) if hac_lags is None else int(hac_lags)
    if lags < 0 or lags >= n:
        raise StatsInputError(f"HAC lags must be between 0 and {n - 1}, got {lags}")
    centred = t - intervention
    x = np.column_stack([np.ones(n), centred, post, centred * post])
    beta, cov = hac_covariance(x, ya, lags)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    est = [normal_estimate(float(b), float(s), alpha=alpha) for b, s in zip(beta, se, strict=True)]
    return ITSResult(
        level_change=est[2],
        slope_change=est[3],
        pre_slope=est[1],
        intercept=est[0],
        n_obs=int(n),
        n_pre=n_pre,
        n_post=n_post,
        hac_lags=lags,
        evidence=grade_evidence(design="its"),
    )
