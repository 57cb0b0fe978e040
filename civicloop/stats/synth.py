"""Synthetic control for one treated unit, with placebo-in-space inference.

Abadie, Diamond & Hainmueller (2010) "Synthetic control methods for comparative case studies",
JASA 105(490):493-505. Weights w >= 0 with sum(w) = 1 minimise the pre-period distance
||Y1_pre - Y0_pre w||^2 (outcome-only predictors, V = identity), solved by SLSQP
(scipy.optimize). The effect in each post period is the gap Y1 - Y0 w; the estimate is the
mean post-period gap.

Inference (sec. 2.4): refit with each donor as if it were treated (placebo in space), compute
the ratio of post- to pre-period RMSPE for every unit, and report the share of units whose
ratio is at least the treated unit's (the smallest attainable p-value is 1/(J+1)).

No extra dependency: pysyncon adds predictor matching (V optimisation) we do not need for an
outcome-only fit, and scipy already solves this small quadratic programme.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from civicloop.stats._common import Estimate, StatsInputError, finite_or_none
from civicloop.stats.evidence import EvidenceGrade, grade_evidence


@dataclass(frozen=True, slots=True)
class SynthResult:
    weights: np.ndarray
    effect: Estimate
    gaps: np.ndarray
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    placebo_ratios: np.ndarray
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = dict(self.effect.to_dict())
        out.update(
            {
                "weights": [float(w) for w in self.weights],
                "gaps": [finite_or_none(g) for g in self.gaps],
                "pre_rmspe": finite_or_none(self.pre_rmspe),
                "post_rmspe": finite_or_none(self.post_rmspe),
                "rmspe_ratio": finite_or_none(self.rmspe_ratio),
                "evidence": self.evidence.to_dict(),
            }
        )
        return out


def synth_weights(treated_pre: np.ndarray, donors_pre: np.ndarray) -> np.ndarray:
    """Simplex-constrained least squares: min ||a - B w||^2, w >= 0, sum w = 1."""
    j = donors_pre.shape[1]
    gram = donors_pre.T @ donors_pre
    lin = donors_pre.T @ treated_pre
    scale = max(float(np.abs(gram).max()), 1e-12)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        return (
            float((w @ gram @ w - 2 * lin @ w) / scale),
            (2 * (gram @ w) - 2 * lin) / scale,
        )

    result = optimize.minimize(
        objective,
        np.full(j, 1.0 / j),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * j,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(j)}],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    w = np.clip(result.x, 0, None)
    return w / w.sum()


def _fit_one(panel: np.ndarray, treated: int, n_pre: int) -> tuple[np.ndarray, np.ndarray]:
    donors = np.delete(np.arange(panel.shape[0]), treated)
    w = synth_weights(panel[treated, :n_pre], panel[donors, :n_pre].T)
    synthetic = w @ panel[donors]
    return w, panel[treated] - synthetic


def _rmspe(gaps: np.ndarray) -> float:
    return float(math.sqrt(np.mean(gaps * gaps))) if gaps.size else math.nan


def synthetic_control(
    *, outcomes: ArrayLike, treated: int, n_pre: int, placebo: bool = True
) -> SynthResult:
    """Fit a synthetic control to row ``treated`` of ``outcomes`` (units x periods).

    The first ``n_pre`` columns are pre-intervention periods.
    """
    panel = np.asarray(outcomes, dtype=np.float64)
    if panel.ndim != 2:
        raise StatsInputError("outcomes must be a units x periods matrix")
    n_units, n_periods = panel.shape
    if not np.all(np.isfinite(panel)):
        raise StatsInputError("outcomes have missing or non-finite values")
    if not 0 <= treated < n_units:
        raise StatsInputError(f"treated row {treated} is outside 0..{n_units - 1}")
    if n_units < 3:
        raise StatsInputError("need at least two donor units")
    if not 2 <= n_pre < n_periods:
        raise StatsInputError("need at least two pre-periods and one post-period")
    weights, gaps = _fit_one(panel, treated, n_pre)
    pre, post = _rmspe(gaps[:n_pre]), _rmspe(gaps[n_pre:])
    ratio = post / pre if pre > 0 else math.inf
    ratios = [ratio]
    if placebo:
        for unit in range(n_units):
            if unit == treated:
                continue
            _, placebo_gaps = _fit_one(panel, unit, n_pre)
            p_pre, p_post = _rmspe(placebo_gaps[:n_pre]), _rmspe(placebo_gaps[n_pre:])
            ratios.append(p_post / p_pre if p_pre > 0 else math.inf)
    ratio_array = np.array(ratios)
    p_value = float(np.mean(ratio_array >= ratio)) if placebo else math.nan
    effect = Estimate(float(gaps[n_pre:].mean()), math.nan, math.nan, math.nan, p_value)
    return SynthResult(
        weights=weights,
        effect=effect,
        gaps=gaps,
        pre_rmspe=pre,
        post_rmspe=post,
        rmspe_ratio=ratio,
        placebo_ratios=ratio_array[1:],
        evidence=grade_evidence(design="synthetic_control"),
    )
