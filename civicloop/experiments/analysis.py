# SQL built here only inlines an ISO timestamp produced by datetime.isoformat().
# ruff: noqa: S608
"""Turn an experiment's data into the JSON payload of a result snapshot, via civicloop.stats.

Randomised designs read per-variant sufficient statistics from the event store (roll-ups);
pilots, before/after and synthetic control read the experiment's site observations. No Django
writes here: ``services.experiment_refresh`` stores what this returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from civicloop.analytics.engine import (
    EventStore,
    ExperimentConfig,
    MomentStats,
    RatioStats,
    Variant,
    variant_statistics,
)
from civicloop.analytics.metrics import compile_metric_sql, stats_from_rows
from civicloop.stats import (
    StatsInputError,
    SufficientStats,
    analyze_ab,
    did_2x2,
    did_panel,
    grade_evidence,
    interrupted_time_series,
    srm_check,
    staggered_did,
    synthetic_control,
)

MAX_CHART_POINTS = 60
SRM_THRESHOLD = 0.001
PRETREND_ALPHA = 0.05


@dataclass(frozen=True)
class MetricSpec:
    key: str
    name: str
    role: str  # primary | secondary | guardrail
    stats_type: str  # proportion | mean | ratio
    higher_is_better: bool
    margin: float | None
    definition: Any = None  # MetricDefinition for event metrics


@dataclass
class Outcome:
    payload: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    maryland_sms: int | None = None
    nesta_level: int | None = None


def experiment_config(
    *,
    key: str,
    variants: Sequence[dict],
    salt: str = "",
    traffic_bp: int = 10_000,
    layer: str = "",
    layer_start: int = 0,
    layer_end: int = 10_000,
) -> ExperimentConfig:
    """The assignment configuration (what the SDK's ``assign`` takes) of an experiment."""
    return ExperimentConfig(
        key=key,
        salt=salt,
        traffic_bp=traffic_bp,
        layer=layer or None,
        layer_range=(layer_start, layer_end),
        variants=tuple(Variant(v["key"], int(v.get("weight", 1))) for v in variants),
    )


def sufficient(stats: MomentStats | RatioStats) -> SufficientStats:
    """The stats engine's input from the analytics engine's per-variant moments."""
    if isinstance(stats, RatioStats):
        return SufficientStats(
            n=stats.n,
            sum=stats.num_sum,
            sum_sq=stats.num_sum_sq,
            sum_x=stats.den_sum,
            sum_x2=stats.den_sum_sq,
            sum_xy=stats.num_den_sum,
        )
    return SufficientStats(
        n=stats.n,
        sum=stats.sum,
        sum_sq=stats.sum_sq,
        sum_x=stats.sum_x,
        sum_x2=stats.sum_x2,
        sum_xy=stats.sum_xy,
    )


def covariate_varies(arms: dict[str, SufficientStats]) -> bool:
    """CUPED needs a covariate that varies within arms (else it has nothing to use)."""
    total = 0.0
    for s in arms.values():
        if s.sum_x is None or s.sum_x2 is None or s.n < 2:
            return False
        total += s.sum_x2 - s.sum_x * s.sum_x / s.n
    return total > 1e-12


def _analyse_metric(
    spec: MetricSpec,
    arms: dict[str, SufficientStats],
    *,
    control: str,
    alpha: float,
    sequential: bool,
) -> Any:
    cuped = False if spec.stats_type == "ratio" else covariate_varies(arms)
    if spec.stats_type == "ratio":
        arms_in = arms
    elif cuped:
        arms_in = arms
    else:  # moments without the covariate: plain Welch / proportions
        arms_in = {k: SufficientStats(n=s.n, sum=s.sum, sum_sq=s.sum_sq) for k, s in arms.items()}
    return analyze_ab(
        arms_in,
        control,
        metric=spec.key,
        metric_type=spec.stats_type,  # type: ignore[arg-type]
        alpha=alpha,
        sequential=sequential,
        cuped=cuped if spec.stats_type != "ratio" else None,
        higher_is_better=spec.higher_is_better,
        non_inferiority_margin=spec.margin if spec.role == "guardrail" else None,
    )


def _events_upto(store: EventStore, moment: datetime) -> str:
    con = store.connection()
    stamp = moment.astimezone(UTC).isoformat()
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW events_upto AS SELECT * FROM {store.events_view} "
        f"WHERE ts < TIMESTAMPTZ '{stamp}'"
    )
    return "events_upto"


def _exposure_span(store: EventStore, key: str) -> tuple[datetime, datetime] | None:
    row = (
        store.connection()
        .execute(
            f"SELECT MIN(ts), MAX(ts) FROM {store.events_view} "
            "WHERE name = '$exposure' AND experiment = ?",
            [key],
        )
        .fetchone()
    )
    if row is None or row[0] is None:
        return None
    return row[0].astimezone(UTC), row[1].astimezone(UTC)


def cumulative_series(
    *, store: EventStore, key: str, spec: MetricSpec, control: str, alpha: float, sequential: bool
) -> list[dict[str, Any]]:
    """The primary effect recomputed on the events known at the end of each day."""
    span = _exposure_span(store, key)
    if span is None or spec.definition is None or spec.definition.custom_sql:
        return []
    first_day: date = span[0].date()
    last_day: date = span[1].date()
    days = (last_day - first_day).days + 1
    step = max(1, math.ceil(days / MAX_CHART_POINTS))
    points = []
    con = store.connection()
    for offset in range(0, days + step - 1, step):
        day = min(first_day + timedelta(days=offset), last_day)
        end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        table = _events_upto(store, end)
        rows = con.execute(compile_metric_sql(spec.definition, key, events_table=table)).fetchall()
        arms = {v: sufficient(s) for v, s in stats_from_rows(spec.definition, rows).items()}
        if control not in arms or len(arms) < 2:
            continue
        try:
            analysis = _analyse_metric(
                spec, arms, control=control, alpha=alpha, sequential=sequential
            )
        except StatsInputError:
            continue
        for r in analysis.results:
            points.append(
                {
                    "date": day.isoformat(),
                    "variant": r.variant,
                    "estimate": r.difference.estimate,
                    "ci_low": r.difference.ci_low,
                    "ci_high": r.difference.ci_high,
                    "n": r.n_control + r.n_treatment,
                }
            )
        if day == last_day:
            break
    return points


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def analyse_randomised(
    *,
    store: EventStore,
    key: str,
    specs: Sequence[MetricSpec],
    control: str,
    variants: Sequence[dict],
    alpha: float,
    running: bool,
    min_units: int,
) -> Outcome:
    """Per metric and variant: effect, interval (always-valid while running), P(beat control)."""
    statistics = variant_statistics(store, key, [s.definition for s in specs])
    warnings: list[str] = []
    counts: dict[str, int] = {v["key"]: 0 for v in variants}
    for variant, per_metric in statistics.items():
        if variant in counts:
            counts[variant] = max(s.n for s in per_metric.values())
    payload: dict[str, Any] = {
        "design": "randomised",
        "control": control,
        "sequential": running,
        "alpha": alpha,
        "counts": counts,
        "metrics": {},
    }
    weights = {v["key"]: float(v.get("weight", 1)) for v in variants}
    total_weight = sum(weights.values())
    if sum(counts.values()) > 0 and len(counts) >= 2:
        try:
            srm = srm_check(
                counts,
                expected_split={k: w / total_weight for k, w in weights.items()},
                threshold=SRM_THRESHOLD,
            )
            payload["srm"] = srm.to_dict()
            if srm.p_value < SRM_THRESHOLD:
                warnings.append(
                    f"Sample ratio mismatch (p = {srm.p_value:.2g}): the variants did not get "
                    "the planned shares of traffic; check assignment and logging before "
                    "trusting any result."
                )
        except (StatsInputError, ValueError) as error:
            payload["srm"] = {"error": str(error)}
    small = [v for v, n in counts.items() if n < min_units]
    if small:
        warnings.append(
            f"Too little traffic: {', '.join(small)} has fewer than {min_units} units so far."
        )
    primary_evidence = None
    for spec in specs:
        arms = {
            v: sufficient(m[spec.key])
            for v, m in statistics.items()
            if spec.key in m and v in counts
        }
        entry: dict[str, Any] = {
            "name": spec.name,
            "role": spec.role,
            "metric_type": spec.stats_type,
            "higher_is_better": spec.higher_is_better,
            "margin": spec.margin,
        }
        try:
            analysis = _analyse_metric(spec, arms, control=control, alpha=alpha, sequential=running)
        except StatsInputError as error:
            entry["error"] = str(error)
            payload["metrics"][spec.key] = entry
            continue
        entry["analysis"] = analysis.to_dict()
        entry["variants"] = [
            {
                "variant": r.variant,
                "n_control": r.n_control,
                "n_treatment": r.n_treatment,
                "mean_control": _finite(r.mean_control),
                "mean_treatment": _finite(r.mean_treatment),
                "estimate": _finite(r.difference.estimate),
                "std_error": _finite(r.difference.std_error),
                "ci_low": _finite(r.difference.ci_low),
                "ci_high": _finite(r.difference.ci_high),
                "p_value": _finite(r.difference.p_value),
                "relative_lift": _finite(r.relative_lift.estimate),
                "chance_to_beat_control": _finite(r.chance_to_beat_control),
                "non_inferior": (r.non_inferiority.non_inferior if r.non_inferiority else None),
            }
            for r in analysis.results
        ]
        if spec.role == "guardrail":
            for r in analysis.results:
                harm = -r.difference.estimate if spec.higher_is_better else r.difference.estimate
                if spec.margin is not None and harm > spec.margin:
                    warnings.append(
                        f"Guardrail breached: {spec.name} is worse in {r.variant} by "
                        f"{harm:.3g}, beyond the margin of {spec.margin:g}."
                    )
                elif r.non_inferiority is not None and not r.non_inferiority.non_inferior:
                    warnings.append(
                        f"Guardrail not yet shown safe: {spec.name} in {r.variant} may be worse "
                        f"than the margin of {spec.margin:g}."
                    )
        if spec.role == "primary":
            primary_evidence = analysis.evidence
            payload["cumulative"] = cumulative_series(
                store=store, key=key, spec=spec, control=control, alpha=alpha, sequential=running
            )
        payload["metrics"][spec.key] = entry
    outcome = Outcome(payload=payload, warnings=warnings)
    if primary_evidence is not None:
        payload["evidence"] = primary_evidence.to_dict()
        outcome.maryland_sms = primary_evidence.maryland_sms
        outcome.nesta_level = primary_evidence.nesta_level
    return outcome


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
    payload: dict[str, Any] = {
        "design": design,
        "sites": sorted({r.site for r in rows}),
        "treated_sites": sorted(treated_sites),
        "periods": len(index),
    }
    warnings: list[str] = []
    result: Any
    if design in ("did", "staggered"):
        payload["trends"] = _trends(rows, treated_sites)
        if start is not None:
            pretrend = _pretrend_p(rows, treated_sites, start)
            payload["pretrend_p_value"] = pretrend
            if pretrend is not None and pretrend < PRETREND_ALPHA:
                warnings.append(
                    f"Pre-trend: pilot and comparison sites were already diverging before the "
                    f"pilot (p = {pretrend:.2g}); the difference-in-differences may be biased."
                )
        else:
            pretrend = None
        if design == "did":
            result = did_panel(
                y=[r.outcome for r in rows],
                unit=[r.site for r in rows],
                time=[index[r.period] for r in rows],
                treatment=[1 if r.treated else 0 for r in rows],
                alpha=alpha,
            )
            effect = result.effect
            grade = grade_evidence(design="did", pretrend_p_value=pretrend)
        else:
            first: dict[str, float] = {}
            for r in rows:
                if r.treated:
                    first[r.site] = min(first.get(r.site, math.inf), index[r.period] + 1)
            result = staggered_did(
                y=[r.outcome for r in rows],
                unit=[r.site for r in rows],
                time=[index[r.period] + 1 for r in rows],
                first_treated=[first.get(r.site, 0) for r in rows],
                alpha=alpha,
            )
            effect = result.simple_att
            grade = result.evidence
        payload["result"] = result.to_dict()
    elif design == "its":
        if start is None:
            raise StatsInputError("before/after needs an intervention date")
        series: dict[date, list[float]] = {}
        for r in rows:
            series.setdefault(r.period, []).append(r.outcome)
        periods = sorted(series)
        result = interrupted_time_series(
            time=[index[p] for p in periods],
            y=[float(np.mean(series[p])) for p in periods],
            intervention=float(min(index[p] for p in periods if p >= start)),
            alpha=alpha,
        )
        effect = result.level_change
        grade = result.evidence
        payload["result"] = result.to_dict()
        payload["series"] = [
            {
                "period": p.isoformat(),
                "outcome": float(np.mean(series[p])),
                "phase": "after" if p >= start else "before",
            }
            for p in periods
        ]
    elif design == "synth":
        if len(treated_sites) != 1:
            raise StatsInputError("synthetic control needs exactly one treated site")
        sites = sorted({r.site for r in rows})
        periods = sorted(index)
        matrix = np.full((len(sites), len(periods)), np.nan)
        for r in rows:
            matrix[sites.index(r.site), index[r.period]] = r.outcome
        treated = sites.index(next(iter(treated_sites)))
        n_pre = sum(1 for p in periods if start is None or p < start)
        result = synthetic_control(outcomes=matrix, treated=treated, n_pre=n_pre)
        effect = result.effect
        grade = result.evidence
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
        payload["donor_weights"] = {
            s: float(w)
            for s, w in zip([s for s in sites if s != sites[treated]], result.weights, strict=False)
        }
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
