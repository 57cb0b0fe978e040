"""Staggered adoption: Callaway & Sant'Anna (2021) group-time average treatment effects.

Callaway, B. & Sant'Anna, P. H. C. (2021) "Difference-in-Differences with multiple time
periods", Journal of Econometrics 225(2):200-230. Without covariates, for the cohort g first
treated in period g and a period t (eq. 2.6 with the unconditional estimand):

    ATT(g, t) = E[Y_t - Y_b | G = g] - E[Y_t - Y_b | C]

with base period b = g - 1 for t >= g and b = t - 1 for t < g (the R ``did`` package's
"varying" base period, which makes pre-period cells a pre-trend check). The comparison group C
is the never-treated units, or (``control_group="notyet"``) the units not yet treated by period
max(t, b) (and not in cohort g).

Standard errors come from the influence function of each cell, so aggregates account for cells
sharing units; aggregations (sec. 4) weight cells by cohort size and include the estimated
weights' influence function, as ``did::aggte`` does:

* simple: the average of ATT(g, t) over post-treatment cells (t >= g), weights P(G = g);
* event study: for each e = t - g (in periods), the average of ATT(g, g + e) over cohorts.

The pre-trend check is a Wald chi-square test that every pre-period ATT(g, t) is zero.
Intervals are pointwise (the R package defaults to simultaneous bootstrap bands). The panel
must be balanced. Cohorts first treated in the first period have no pre-period and are dropped;
units first treated after the last period count as never treated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from civicloop.stats._common import Estimate, StatsInputError, check_alpha, normal_estimate
from civicloop.stats.evidence import EvidenceGrade, grade_evidence


@dataclass(frozen=True, slots=True)
class GroupTimeATT:
    group: float
    time: float
    event_time: int
    post: bool
    n_treated: int
    n_control: int
    att: Estimate

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "group": _plain(self.group),
            "time": _plain(self.time),
            "event_time": self.event_time,
            "post": self.post,
            "n_treated": self.n_treated,
            "n_control": self.n_control,
        }
        out.update(self.att.to_dict())
        return out


@dataclass(frozen=True, slots=True)
class EventTimeATT:
    event_time: int
    att: Estimate

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"event_time": self.event_time}
        out.update(self.att.to_dict())
        return out


@dataclass(frozen=True, slots=True)
class PretrendTest:
    chi2: float
    df: int
    p_value: float

    def to_dict(self) -> dict[str, object]:
        return {"chi2": self.chi2, "df": self.df, "p_value": self.p_value}


@dataclass(frozen=True, slots=True)
class StaggeredResult:
    group_time: list[GroupTimeATT]
    simple_att: Estimate
    event_study: list[EventTimeATT]
    pretrend: PretrendTest | None
    control_group: str
    n_units: int
    n_periods: int
    dropped_groups: list[float]
    evidence: EvidenceGrade

    def to_dict(self) -> dict[str, object]:
        return {
            "simple_att": self.simple_att.to_dict(),
            "event_study": [e.to_dict() for e in self.event_study],
            "group_time": [c.to_dict() for c in self.group_time],
            "pretrend": self.pretrend.to_dict() if self.pretrend else None,
            "control_group": self.control_group,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "dropped_groups": [_plain(g) for g in self.dropped_groups],
            "evidence": self.evidence.to_dict(),
        }


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _aggregate(
    psi: np.ndarray,
    atts: np.ndarray,
    keep: list[int],
    cell_groups: np.ndarray,
    unit_groups: np.ndarray,
    shares: dict[float, float],
    alpha: float,
) -> Estimate:
    """Cohort-size weighted average of cells ``keep`` with its influence-function SE."""
    n = unit_groups.size
    pg = np.array([shares[cell_groups[k]] for k in keep])
    total = pg.sum()
    weights = pg / total
    estimate = float(weights @ atts[keep])
    indicators = np.column_stack([(unit_groups == cell_groups[k]).astype(float) for k in keep])
    if1 = (indicators - pg) / total
    if2 = np.outer((indicators - pg).sum(axis=1), pg / total**2)
    weight_if = (if1 - if2) / n
    agg_psi = psi[:, keep] @ weights + weight_if @ atts[keep]
    return normal_estimate(estimate, float(math.sqrt(agg_psi @ agg_psi)), alpha=alpha)


def staggered_did(
    *,
    y: ArrayLike,
    unit: ArrayLike,
    time: ArrayLike,
    first_treated: ArrayLike,
    control_group: Literal["never", "notyet"] = "never",
    alpha: float = 0.05,
) -> StaggeredResult:
    """Callaway & Sant'Anna group-time ATTs with simple and event-study aggregates.

    ``first_treated`` is the first treated period of each row's unit; 0, NaN or +inf means
    never treated.
    """
    check_alpha(alpha)
    if control_group not in ("never", "notyet"):
        raise StatsInputError(f"control group must be 'never' or 'notyet', got {control_group!r}")
    frame = pd.DataFrame(
        {
            "y": np.asarray(y, dtype=np.float64).ravel(),
            "unit": np.asarray(unit).ravel(),
            "time": np.asarray(time, dtype=np.float64).ravel(),
            "g": np.asarray(first_treated, dtype=np.float64).ravel(),
        }
    )
    if not np.all(np.isfinite(frame["y"])):
        raise StatsInputError("outcome has missing or non-finite values")
    if not np.all(np.isfinite(frame["time"])):
        raise StatsInputError("time has missing or non-finite values")
    if frame["y"].nunique() < 2:
        raise StatsInputError("the outcome is constant; there is no effect to estimate")
    frame["g"] = frame["g"].where(np.isfinite(frame["g"]) & (frame["g"] != 0), np.inf)
    if frame.groupby("unit")["g"].nunique().max() > 1:
        raise StatsInputError("first-treated period must be the same in every row of a unit")
    if frame.duplicated(["unit", "time"]).any():
        raise StatsInputError("repeated (unit, time) rows; give one row per unit and period")
    wide = frame.pivot(index="unit", columns="time", values="y")
    if wide.isna().to_numpy().any():
        raise StatsInputError("the panel is unbalanced; every unit needs every period")
    periods = wide.columns.to_numpy(dtype=np.float64)
    if periods.size < 2:
        raise StatsInputError("need at least two periods")
    values = wide.to_numpy(dtype=np.float64)
    unit_g = frame.groupby("unit")["g"].first().reindex(wide.index).to_numpy(dtype=np.float64)
    unit_g = np.where(unit_g > periods[-1], np.inf, unit_g)
    dropped = sorted({float(g) for g in unit_g if np.isfinite(g) and g <= periods[0]})
    keep_units = ~np.isin(unit_g, dropped) if dropped else np.ones(unit_g.size, dtype=bool)
    values, unit_g = values[keep_units], unit_g[keep_units]
    n_units = unit_g.size
    cohorts = sorted({float(g) for g in unit_g if np.isfinite(g)})
    if not cohorts:
        raise StatsInputError("no unit is treated inside the observed periods: no post period")
    for g in cohorts:
        if g not in set(periods.tolist()):
            raise StatsInputError(f"first-treated value {g:g} is not one of the observed periods")
    period_index = {float(p): i for i, p in enumerate(periods)}
    unit_gi = np.array([period_index[g] if np.isfinite(g) else np.inf for g in unit_g])
    shares = {g: float(np.mean(unit_g == g)) for g in cohorts}

    cells: list[tuple[float, float, int, bool, int, int, float]] = []
    psi_columns: list[np.ndarray] = []
    for g in cohorts:
        gi = period_index[g]
        treated = unit_g == g
        for ti in range(1, periods.size):
            base = gi - 1 if ti >= gi else ti - 1
            if control_group == "never":
                control = np.isinf(unit_gi)
            else:
                control = (unit_gi > max(ti, base)) & ~treated
            n_t, n_c = int(treated.sum()), int(control.sum())
            if n_c == 0:
                continue
            change = values[:, ti] - values[:, base]
            mean_t = change[treated].mean()
            mean_c = change[control].mean()
            psi = np.zeros(n_units)
            psi[treated] = (change[treated] - mean_t) / n_t
            psi[control] = -(change[control] - mean_c) / n_c
            cells.append((g, float(periods[ti]), ti - gi, ti >= gi, n_t, n_c, mean_t - mean_c))
            psi_columns.append(psi)
    if not cells:
        raise StatsInputError("no comparison units: nobody is never (or not yet) treated")
    psi_matrix = np.column_stack(psi_columns)
    atts = np.array([c[6] for c in cells])
    ses = np.sqrt((psi_matrix**2).sum(axis=0))
    group_time = [
        GroupTimeATT(
            group=c[0],
            time=c[1],
            event_time=c[2],
            post=c[3],
            n_treated=c[4],
            n_control=c[5],
            att=normal_estimate(float(atts[k]), float(ses[k]), alpha=alpha),
        )
        for k, c in enumerate(cells)
    ]
    cell_groups = np.array([c[0] for c in cells])
    post_cells = [k for k, c in enumerate(cells) if c[3]]
    if not post_cells:
        raise StatsInputError("no post-treatment period has a comparison group")
    simple = _aggregate(psi_matrix, atts, post_cells, cell_groups, unit_g, shares, alpha)
    event_times = sorted({c[2] for c in cells})
    event_study = [
        EventTimeATT(
            event_time=e,
            att=_aggregate(
                psi_matrix,
                atts,
                [k for k, c in enumerate(cells) if c[2] == e],
                cell_groups,
                unit_g,
                shares,
                alpha,
            ),
        )
        for e in event_times
    ]
    pre_cells = [k for k, c in enumerate(cells) if not c[3]]
    pretrend = None
    if pre_cells:
        theta = atts[pre_cells]
        cov = psi_matrix[:, pre_cells].T @ psi_matrix[:, pre_cells]
        rank = int(np.linalg.matrix_rank(cov))
        if rank > 0:
            chi2 = float(theta @ np.linalg.pinv(cov) @ theta)
            pretrend = PretrendTest(chi2=chi2, df=rank, p_value=float(special.chdtrc(rank, chi2)))
    evidence = grade_evidence(
        design="staggered_did", pretrend_p_value=pretrend.p_value if pretrend else None
    )
    return StaggeredResult(
        group_time=group_time,
        simple_att=simple,
        event_study=event_study,
        pretrend=pretrend,
        control_group=control_group,
        n_units=int(n_units),
        n_periods=int(periods.size),
        dropped_groups=dropped,
        evidence=evidence,
    )
