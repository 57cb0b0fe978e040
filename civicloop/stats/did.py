"""Difference-in-differences: 2x2 (group x period) and two-way fixed-effects panels.

2x2: OLS of y on 1, group, post and group*post; the coefficient of group*post is the DiD
effect (Angrist & Pischke, "Mostly Harmless Econometrics", 2009, eq. 5.2.3; Wooldridge,
"Introductory Econometrics", sec. 13.2, Example 13.3).

Panel: OLS of y on the treatment indicator with unit and time fixed effects, the two-way
fixed-effects estimator, computed by the within transformation (Frisch-Waugh-Lovell) so it
scales to many units; standard errors use the degrees of freedom of the dummy regression and
equal it exactly. With staggered adoption and heterogeneous effects it is
biased (Goodman-Bacon 2021); use ``staggered_did`` there.

Standard errors: classical (homoskedastic), HC1 (White 1980 with n/(n-k)), or cluster-robust
(Liang & Zeger 1986, with the G/(G-1) (N-1)/(N-K) small-sample factor). Inference uses Student
t with the residual degrees of freedom (G - 1 for clustered errors), as Stata does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from numpy.typing import ArrayLike

from civicloop.stats._common import (
    Estimate,
    StatsInputError,
    check_alpha,
    finite_or_none,
    t_estimate,
)
from civicloop.stats.evidence import EvidenceGrade, grade_evidence

SEType = Literal["classical", "hc1", "cluster"]
SE_TYPES = ("classical", "hc1", "cluster")


@dataclass(frozen=True, slots=True)
class DiDResult:
    design: str
    effect: Estimate
    n_obs: int
    se_type: str
    n_clusters: int | None
    cell_means: dict[str, float] | None
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"design": self.design}
        out.update(self.effect.to_dict())
        out.update(
            {
                "n_obs": self.n_obs,
                "se_type": self.se_type,
                "n_clusters": self.n_clusters,
                "cell_means": (
                    {k: finite_or_none(v) for k, v in self.cell_means.items()}
                    if self.cell_means
                    else None
                ),
                "evidence": self.evidence.to_dict(),
            }
        )
        return out


def _as_float(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise StatsInputError(f"{name} has missing or non-finite values")
    return arr


def _as_binary(values: ArrayLike, name: str) -> np.ndarray:
    arr = _as_float(values, name)
    if not np.all((arr == 0) | (arr == 1)):
        raise StatsInputError(f"{name} must be 0/1")
    return arr


def _fit(
    y: np.ndarray,
    x: np.ndarray,
    *,
    se_type: str,
    cluster: np.ndarray | None,
    alpha: float,
    column: int,
) -> tuple[Estimate, int | None]:
    model = sm.OLS(y, x)
    n_clusters: int | None = None
    if se_type == "classical":
        fit = model.fit()
    elif se_type == "hc1":
        fit = model.fit(cov_type="HC1", use_t=True)
    elif se_type == "cluster":
        if cluster is None:
            raise StatsInputError("cluster-robust standard errors need a cluster variable")
        codes = pd.factorize(pd.Series(cluster))[0]
        n_clusters = int(codes.max()) + 1
        if n_clusters < 2:
            raise StatsInputError("cluster-robust standard errors need at least 2 clusters")
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    else:
        raise StatsInputError(f"se type must be one of {', '.join(SE_TYPES)}, got {se_type!r}")
    est = float(fit.params[column])
    se = float(fit.bse[column])
    low, high = (float(v) for v in np.asarray(fit.conf_int(alpha=alpha))[column])
    p_value = float(fit.pvalues[column])
    return Estimate(est, se, low, high, p_value), n_clusters


def _two_way_demean(
    values: np.ndarray, unit_codes: np.ndarray, time_codes: np.ndarray, tol: float = 1e-13
) -> np.ndarray:
    """Residual of ``values`` after unit and time fixed effects (alternating projections).

    One sweep is exact for balanced panels; unbalanced panels iterate to convergence
    (Guimaraes & Portugal 2010, Stata Journal 10(4):628-649).
    """
    out = values - values.mean()
    unit_n = np.bincount(unit_codes)
    time_n = np.bincount(time_codes)
    scale = max(float(np.abs(out).max()), 1.0)
    for _ in range(10_000):
        out = out - (np.bincount(unit_codes, weights=out) / unit_n)[unit_codes]
        time_means = np.bincount(time_codes, weights=out) / time_n
        out = out - time_means[time_codes]
        if float(np.abs(time_means).max()) < tol * scale:
            break
    return out


def did_2x2(
    *,
    y: ArrayLike,
    group: ArrayLike,
    post: ArrayLike,
    se_type: SEType = "classical",
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
    pretrend_p_value: float | None = None,
) -> DiDResult:
    """Coefficient of group*post in OLS of y on 1, group, post, group*post."""
    check_alpha(alpha)
    ya = _as_float(y, "outcome")
    g = _as_binary(group, "group")
    p = _as_binary(post, "post")
    if not (ya.size == g.size == p.size):
        raise StatsInputError("outcome, group and post must have the same length")
    if not np.any(p == 1):
        raise StatsInputError("no post-period rows (post is never 1)")
    if not np.any(p == 0):
        raise StatsInputError("no pre-period rows (post is never 0)")
    if not np.any(g == 1) or not np.any(g == 0):
        raise StatsInputError("need both treated (group = 1) and comparison (group = 0) rows")
    cells = {}
    for gv, gname in ((0, "comparison"), (1, "treated")):
        for pv, pname in ((0, "pre"), (1, "post")):
            mask = (g == gv) & (p == pv)
            if not mask.any():
                raise StatsInputError(f"the {gname} group has no {pname}-period rows")
            cells[f"{gname}_{pname}"] = float(ya[mask].mean())
    if np.ptp(ya) == 0:
        raise StatsInputError("the outcome is constant; there is no effect to estimate")
    x = np.column_stack([np.ones_like(ya), g, p, g * p])
    cl = None if cluster is None else np.asarray(cluster).ravel()
    effect, n_clusters = _fit(ya, x, se_type=se_type, cluster=cl, alpha=alpha, column=3)
    return DiDResult(
        design="2x2",
        effect=effect,
        n_obs=int(ya.size),
        se_type=se_type,
        n_clusters=n_clusters,
        cell_means=cells,
        evidence=grade_evidence(design="did", pretrend_p_value=pretrend_p_value),
    )


def did_panel(
    *,
    y: ArrayLike,
    unit: ArrayLike,
    time: ArrayLike,
    treatment: ArrayLike,
    se_type: SEType = "cluster",
    cluster: ArrayLike | None = None,
    alpha: float = 0.05,
) -> DiDResult:
    """Two-way fixed-effects coefficient of the treatment indicator (unit and time dummies).

    Clustered standard errors cluster on ``unit`` unless ``cluster`` is given.
    """
    check_alpha(alpha)
    ya = _as_float(y, "outcome")
    d = _as_binary(treatment, "treatment")
    units = np.asarray(unit).ravel()
    times = np.asarray(time).ravel()
    if not (ya.size == d.size == units.size == times.size):
        raise StatsInputError("outcome, unit, time and treatment must have the same length")
    if not np.any(d == 1):
        raise StatsInputError("no treated rows (treatment is never 1): no post period")
    if not np.any(d == 0):
        raise StatsInputError("no untreated rows (treatment is always 1)")
    if np.ptp(ya) == 0:
        raise StatsInputError("the outcome is constant; there is no effect to estimate")
    unit_codes = pd.factorize(pd.Series(units))[0]
    time_codes = pd.factorize(pd.Series(times))[0]
    n_units = int(unit_codes.max()) + 1
    n_times = int(time_codes.max()) + 1
    if n_units < 2 or n_times < 2:
        raise StatsInputError("a panel needs at least two units and two periods")
    y_within = _two_way_demean(ya, unit_codes, time_codes)
    d_within = _two_way_demean(d, unit_codes, time_codes)
    sdd = float(d_within @ d_within)
    if sdd < 1e-10 * max(float(d @ d), 1.0):
        raise StatsInputError(
            "treatment is collinear with the unit and time effects (no within variation)"
        )
    beta = float(d_within @ y_within) / sdd
    resid = y_within - beta * d_within
    n = ya.size
    k = n_units + n_times  # treatment + intercept + (units - 1) + (times - 1)
    if n <= k:
        raise StatsInputError("too few observations for unit and time fixed effects")
    n_clusters: int | None = None
    if se_type == "classical":
        variance = float(resid @ resid) / (n - k) / sdd
        df = float(n - k)
    elif se_type == "hc1":
        variance = float((d_within * resid) @ (d_within * resid)) / sdd**2 * n / (n - k)
        df = float(n - k)
    elif se_type == "cluster":
        cl = units if cluster is None else np.asarray(cluster).ravel()
        if cl.size != n:
            raise StatsInputError("cluster must have one value per row")
        codes = pd.factorize(pd.Series(cl))[0]
        n_clusters = int(codes.max()) + 1
        if n_clusters < 2:
            raise StatsInputError("cluster-robust standard errors need at least 2 clusters")
        scores = np.bincount(codes, weights=d_within * resid, minlength=n_clusters)
        factor = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
        variance = float(scores @ scores) / sdd**2 * factor
        df = float(n_clusters - 1)
    else:
        raise StatsInputError(f"se type must be one of {', '.join(SE_TYPES)}, got {se_type!r}")
    effect = t_estimate(beta, float(np.sqrt(variance)), df=df, alpha=alpha)
    return DiDResult(
        design="panel",
        effect=effect,
        n_obs=int(ya.size),
        se_type=se_type,
        n_clusters=n_clusters,
        cell_means=None,
        evidence=grade_evidence(design="did"),
    )
