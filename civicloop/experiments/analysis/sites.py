"""Site designs: pilots (DiD, staggered), before/after (ITS) and synthetic control, from the
experiment's site observations via civicloop.stats."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from civicloop.experiments.analysis.common import Outcome
from civicloop.stats import (
    StatsInputError,
    did_2x2,
    did_panel,
    grade_evidence,
    interrupted_time_series,
    staggered_did,
    synthetic_control,
)

PRETREND_ALPHA = 0.05


@dataclass(frozen=True)
class SiteRow:
    site: str
    period: date
    outcome: float
    treated: bool


def _period_index(rows: Sequence[SiteRow]) -> dict[date, int]:
    return {p: i for i, p in enumerate(sorted({r.period for r in rows}))}


def _trends(rows: Sequence[SiteRow], treated_sites: set[str]) -> list[dict[str, Any]]:
    """Mean outcome per period of pilot and comparison sites (the parallel-trends chart)."""
    groups: dict[tuple[str, date], list[float]] = {}
    for r in rows:
        label = "Pilot sites" if r.site in treated_sites else "Comparison sites"
        groups.setdefault((label, r.period), []).append(r.outcome)
    return [
        {"period": p.isoformat(), "group": g, "outcome": float(np.mean(v))}
        for (g, p), v in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def _pretrend_p(rows: Sequence[SiteRow], treated_sites: set[str], start: date) -> float | None:
    """Placebo DiD inside the pre-period (second half vs first half): a pre-trend test."""
    pre = [r for r in rows if r.period < start]
    periods = sorted({r.period for r in pre})
    if len(periods) < 4:
        return None
    cut = periods[len(periods) // 2]
    try:
        result = did_2x2(
            y=[r.outcome for r in pre],
            group=[1 if r.site in treated_sites else 0 for r in pre],
            post=[1 if r.period >= cut else 0 for r in pre],
            se_type="cluster",
            cluster=[r.site for r in pre],
        )
    except StatsInputError:
        return None
    return result.effect.p_value


@dataclass(frozen=True)
class _Sites:
    """What every site design reads: the rows, their periods in order and the change's start."""

    rows: Sequence[SiteRow]
    index: dict[date, int]
    start: date | None
    treated_sites: set[str]
    alpha: float


def analyse_sites(
    *, design: str, rows: Sequence[SiteRow], intervention: date | None, alpha: float
) -> Outcome:
    """Pilots (DiD, staggered), before/after (ITS) and synthetic control from site outcomes."""
    if not rows:
        return Outcome(
            payload={"design": design, "error": "No site observations yet."},
            warnings=["Too little data: no site observations recorded yet."],
        )
    treated_sites = {r.site for r in rows if r.treated}
    index = _period_index(rows)
    start = intervention or min((r.period for r in rows if r.treated), default=None)
    sites = _Sites(rows, index, start, treated_sites, alpha)
    payload: dict[str, Any] = {
        "design": design,
        "sites": sorted({r.site for r in rows}),
        "treated_sites": sorted(treated_sites),
        "periods": len(index),
        # the change's first period: the intervention marker on the charts
        "intervention": start.isoformat() if start is not None else None,
    }
    warnings: list[str] = []
    if design in ("did", "staggered"):
        effect, grade = _pilots(design, sites, payload, warnings)
    elif design == "its":
        effect, grade = _before_after(sites, payload)
    elif design == "synth":
        effect, grade = _synthetic(sites, payload)
    else:
        raise StatsInputError(f"design {design!r} is not a site design")
    payload["effect"] = effect.to_dict()
    payload["evidence"] = grade.to_dict()
    return Outcome(
        payload=payload,
        warnings=warnings,
        maryland_sms=grade.maryland_sms,
        nesta_level=grade.nesta_level,
    )


def _pilots(
    design: str, sites: _Sites, payload: dict[str, Any], warnings: list[str]
) -> tuple[Any, Any]:
    """Difference-in-differences (one start) or staggered adoption, with a pre-trend test."""
    rows, index, start, treated_sites = sites.rows, sites.index, sites.start, sites.treated_sites
    payload["trends"] = _trends(rows, treated_sites)
    pretrend = None
    if start is not None:
        pretrend = _pretrend_p(rows, treated_sites, start)
        payload["pretrend_p_value"] = pretrend
        if pretrend is not None and pretrend < PRETREND_ALPHA:
            warnings.append(
                f"Pre-trend: pilot and comparison sites were already diverging before the "
                f"pilot (p = {pretrend:.2g}); the difference-in-differences may be biased."
            )
    if design == "did":
        result: Any = did_panel(
            y=[r.outcome for r in rows],
            unit=[r.site for r in rows],
            time=[index[r.period] for r in rows],
            treatment=[1 if r.treated else 0 for r in rows],
            alpha=sites.alpha,
        )
        payload["result"] = result.to_dict()
        return result.effect, grade_evidence(design="did", pretrend_p_value=pretrend)
    first: dict[str, float] = {}
    for r in rows:
        if r.treated:
            first[r.site] = min(first.get(r.site, math.inf), index[r.period] + 1)
    result = staggered_did(
        y=[r.outcome for r in rows],
        unit=[r.site for r in rows],
        time=[index[r.period] + 1 for r in rows],
        first_treated=[first.get(r.site, 0) for r in rows],
        alpha=sites.alpha,
    )
    payload["result"] = result.to_dict()
    return result.simple_att, result.evidence


def _before_after(sites: _Sites, payload: dict[str, Any]) -> tuple[Any, Any]:
    """Interrupted time series on the mean outcome per period."""
    start, index = sites.start, sites.index
    if start is None:
        raise StatsInputError("before/after needs an intervention date")
    series: dict[date, list[float]] = {}
    for r in sites.rows:
        series.setdefault(r.period, []).append(r.outcome)
    periods = sorted(series)
    result = interrupted_time_series(
        time=[index[p] for p in periods],
        y=[float(np.mean(series[p])) for p in periods],
        intervention=float(min(index[p] for p in periods if p >= start)),
        alpha=sites.alpha,
    )
    payload["result"] = result.to_dict()
    payload["series"] = [
        {
            "period": p.isoformat(),
            "outcome": float(np.mean(series[p])),
            "phase": "after" if p >= start else "before",
        }
        for p in periods
    ]
    return result.level_change, result.evidence


def _synthetic(sites: _Sites, payload: dict[str, Any]) -> tuple[Any, Any]:
    """Synthetic control of the one treated site from the comparison sites."""
    if len(sites.treated_sites) != 1:
        raise StatsInputError("synthetic control needs exactly one treated site")
    names = sorted({r.site for r in sites.rows})
    periods = sorted(sites.index)
    matrix = np.full((len(names), len(periods)), np.nan)
    for r in sites.rows:
        matrix[names.index(r.site), sites.index[r.period]] = r.outcome
    treated = names.index(next(iter(sites.treated_sites)))
    n_pre = sum(1 for p in periods if sites.start is None or p < sites.start)
    result = synthetic_control(outcomes=matrix, treated=treated, n_pre=n_pre)
    synthetic = matrix[treated] - result.gaps
    payload["result"] = result.to_dict()
    payload["fit"] = [
        {
            "period": p.isoformat(),
            "treated": float(matrix[treated, i]),
            "synthetic": float(synthetic[i]),
        }
        for i, p in enumerate(periods)
    ]
    donors = [s for s in names if s != names[treated]]
    payload["donor_weights"] = {s: float(w) for s, w in zip(donors, result.weights, strict=False)}
    # Placebo in space: each donor refitted as if treated; its post/pre RMSPE ratio beside the
    # treated site's (the p-value is the share of all sites with a ratio at least as large).
    payload["placebo"] = [
        {"site": s, "rmspe_ratio": _finite_ratio(r)}
        for s, r in zip(donors, result.placebo_ratios, strict=False)
    ]
    return result.effect, result.evidence


def _finite_ratio(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
