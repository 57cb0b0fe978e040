"""Randomised designs: per-variant sufficient statistics from `analytics.engine` (roll-ups) into
effects, intervals and chances to beat control via civicloop.stats. The store's connection is
never seen here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from civicloop.analytics.engine import (
    EventStore,
    ExperimentConfig,
    MomentStats,
    RatioStats,
    Variant,
    exposure_span,
    statistics_before,
    variant_statistics,
)
from civicloop.experiments.analysis.common import Outcome
from civicloop.stats import (
    StatsInputError,
    SufficientStats,
    analyze_ab,
    srm_check,
)

MAX_CHART_POINTS = 60
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class MetricSpec:
    key: str
    name: str
    role: str  # primary | secondary | guardrail
    stats_type: str  # proportion | mean | ratio
    higher_is_better: bool
    margin: float | None
    definition: Any = None  # MetricDefinition for event metrics


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


def cumulative_series(
    *, store: EventStore, key: str, spec: MetricSpec, control: str, alpha: float, sequential: bool
) -> list[dict[str, Any]]:
    """The primary effect recomputed on the events known at the end of each day."""
    span = exposure_span(store, key)
    if span is None or spec.definition is None or spec.definition.custom_sql:
        return []
    first_day: date = span[0].date()
    last_day: date = span[1].date()
    days = (last_day - first_day).days + 1
    step = max(1, math.ceil(days / MAX_CHART_POINTS))
    points = []
    for offset in range(0, days + step - 1, step):
        day = min(first_day + timedelta(days=offset), last_day)
        end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        before_end = statistics_before(store, key, spec.definition, end)
        arms = {v: sufficient(s) for v, s in before_end.items()}
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
    statistics: dict[str, dict[str, MomentStats | RatioStats]] | None = None,
) -> Outcome:
    """Per metric and variant: effect, interval (always-valid while running), P(beat control).

    ``statistics`` computed elsewhere (a warehouse) replace the store's; the cumulative chart
    is then left out, as it is computed from the embedded store's events only.
    """
    from_store = statistics is None
    if statistics is None:
        statistics = variant_statistics(store, key, [s.definition for s in specs])
    warnings: list[str] = []
    counts = _variant_counts(statistics, variants)
    payload: dict[str, Any] = dict(
        design="randomised", control=control, sequential=running, alpha=alpha, counts=counts
    )
    payload["metrics"] = {}
    _traffic_checks(payload, warnings, counts, variants, min_units)
    primary_evidence = None
    for spec in specs:
        arms = {
            v: sufficient(m[spec.key])
            for v, m in statistics.items()
            if spec.key in m and v in counts
        }
        entry, analysis = _metric_entry(spec, arms, control=control, alpha=alpha, running=running)
        if analysis is not None:
            warnings.extend(_guardrail_warnings(spec, analysis))
        if analysis is not None and spec.role == "primary":
            primary_evidence = analysis.evidence
            # computed from the embedded store's events only: none when a warehouse answered
            payload["cumulative"] = (
                cumulative_series(
                    store=store,
                    key=key,
                    spec=spec,
                    control=control,
                    alpha=alpha,
                    sequential=running,
                )
                if from_store
                else []
            )
        payload["metrics"][spec.key] = entry
    outcome = Outcome(payload=payload, warnings=warnings)
    if primary_evidence is not None:
        payload["evidence"] = primary_evidence.to_dict()
        outcome.maryland_sms = primary_evidence.maryland_sms
        outcome.nesta_level = primary_evidence.nesta_level
    return outcome


def _variant_counts(
    statistics: dict[str, dict[str, MomentStats | RatioStats]], variants: Sequence[dict]
) -> dict[str, int]:
    """Units counted in each planned variant (the largest count over its metrics)."""
    counts: dict[str, int] = {v["key"]: 0 for v in variants}
    for variant, per_metric in statistics.items():
        if variant in counts:
            counts[variant] = max(s.n for s in per_metric.values())
    return counts


def _traffic_checks(
    payload: dict[str, Any],
    warnings: list[str],
    counts: dict[str, int],
    variants: Sequence[dict],
    min_units: int,
) -> None:
    """Sample ratio mismatch against the planned weights, and too little traffic."""
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


def _metric_entry(
    spec: MetricSpec,
    arms: dict[str, SufficientStats],
    *,
    control: str,
    alpha: float,
    running: bool,
) -> tuple[dict[str, Any], Any]:
    """The payload entry of one metric and its analysis (None when it could not be run)."""
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
        return entry, None
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
    return entry, analysis


def _guardrail_warnings(spec: MetricSpec, analysis: Any) -> list[str]:
    """A guardrail worse than its margin, or not yet shown within it."""
    if spec.role != "guardrail":
        return []
    warnings = []
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
    return warnings
