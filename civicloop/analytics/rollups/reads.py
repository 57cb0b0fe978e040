# SQL is generated here by design: identifiers are internal, literals go through lit().
# ruff: noqa: S608
"""Reading statistics from the roll-ups: one ``GROUP BY variant`` over one row per unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from civicloop.analytics.metrics import MetricDefinition, MomentStats, RatioStats
from civicloop.analytics.rollups.tables import experiment_id, sources_ensure

ROLLUP_AGGREGATIONS = ("count", "sum", "mean", "any")


def _sums(metric: MetricDefinition, source: Callable[[MetricDefinition], int]) -> list[str]:
    """The six sums of one metric's statistics over a roll-up table (moments or ratio)."""
    if metric.is_ratio:
        num, den = metric.numerator, metric.denominator
        assert num is not None
        assert den is not None
        a, _ = _value_exprs(num, source(num))
        b, _ = _value_exprs(den, source(den))
        return [
            "COUNT(*)",
            f"SUM({a})",
            f"SUM(({a}) * ({a}))",
            f"SUM({b})",
            f"SUM(({b}) * ({b}))",
            f"SUM(({a}) * ({b}))",
        ]
    y, x = _value_exprs(metric, source(metric))
    kept = f"CASE WHEN ({y}) IS NOT NULL THEN {x} END"
    return [
        f"COUNT({y})",
        f"SUM({y})",
        f"SUM(({y}) * ({y}))",
        f"SUM({kept})",
        f"SUM(({kept}) * ({kept}))",
        f"SUM(({kept}) * ({y}))",
    ]


def _value_exprs(metric: MetricDefinition, k: int) -> tuple[str, str]:
    agg = metric.aggregation
    if agg == "count":
        return f"c{k}::DOUBLE", f"pc{k}::DOUBLE"
    if agg == "sum":
        return f"vs{k}", f"pvs{k}"
    if agg == "any":
        return (
            f"CASE WHEN c{k} > 0 THEN 1.0 ELSE 0.0 END",
            f"CASE WHEN pc{k} > 0 THEN 1.0 ELSE 0.0 END",
        )
    if agg == "mean":
        return (
            f"CASE WHEN vc{k} > 0 THEN vs{k} / vc{k} END",
            f"CASE WHEN pvc{k} > 0 THEN pvs{k} / pvc{k} ELSE 0.0 END",
        )
    raise ValueError(f"aggregation {agg!r} has no roll-up")


def supports(metric: MetricDefinition) -> bool:
    """Whether the roll-ups can answer this metric (else the reference SQL is used)."""
    if metric.is_ratio:
        return all(supports(p) for p in (metric.numerator, metric.denominator))  # type: ignore[arg-type]
    return metric.custom_sql is None and metric.aggregation in ROLLUP_AGGREGATIONS


def statistics(
    con: Any, *, metrics: list[MetricDefinition], experiment_key: str, events_view: str
) -> dict[str, dict[str, MomentStats | RatioStats]]:
    """{metric key: {variant: statistics}} for roll-up metrics, in one scan of one table."""

    leaves = [
        leaf
        for m in metrics
        for leaf in ((m.numerator, m.denominator) if m.is_ratio else (m,))
        if leaf is not None
    ]
    ids = sources_ensure(
        con,
        experiment=experiment_key,
        specs=[(m.event_name, m.window_hours, m.pre_window_hours) for m in leaves],  # type: ignore[misc]
        events_view=events_view,
    )

    def source(m: MetricDefinition) -> int:
        return ids[(m.event_name, m.window_hours, m.pre_window_hours)]  # type: ignore[index]

    selects = [expr for metric in metrics for expr in _sums(metric, source)]
    out: dict[str, dict[str, MomentStats | RatioStats]] = {m.key: {} for m in metrics}
    if not metrics:
        return out
    exp_id = experiment_id(con, experiment_key, create=False)
    rows = con.execute(
        f"SELECT variant, {', '.join(selects)} FROM rollup_exp_{exp_id} "
        "GROUP BY variant ORDER BY variant"
    ).fetchall()
    for row in rows:
        variant = row[0]
        for i, metric in enumerate(metrics):
            n, *sums = row[1 + 6 * i : 7 + 6 * i]
            if not n:
                continue
            cls = RatioStats if metric.is_ratio else MomentStats
            out[metric.key][variant] = cls(variant, int(n), *(float(v or 0.0) for v in sums))
    return out
