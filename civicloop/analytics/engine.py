"""The public face of the analytics engine for the Django layer (stable API).

See docs/analytics/README.md. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb

from civicloop.analytics import rollups
from civicloop.analytics.assignment import (
    Assignment,
    ExperimentConfig,
    Holdout,
    Variant,
    assign,
    layer_check,
)
from civicloop.analytics.metrics import (
    MetricDefinition,
    MomentStats,
    RatioStats,
    compile_metric_sql,
    stats_from_rows,
)
from civicloop.analytics.store import (
    AcceptResult,
    Backpressure,
    BatchTooLarge,
    EventStore,
    ImportResult,
)

__all__ = [
    "AcceptResult",
    "Assignment",
    "Backpressure",
    "BatchTooLarge",
    "EventStore",
    "ExperimentConfig",
    "Holdout",
    "ImportResult",
    "MetricDefinition",
    "MetricQueryError",
    "MomentStats",
    "RatioStats",
    "Variant",
    "assign",
    "compile_metric_sql",
    "exposure_span",
    "layer_check",
    "statistics_before",
    "straightforward_statistics",
    "variant_statistics",
]

Statistics = dict[str, dict[str, MomentStats | RatioStats]]


class MetricQueryError(ValueError):
    """A custom metric passed the language's checks but the engine could not run it (e.g. a
    CAST of text to a number): the metric's author gets the reason, nobody else is affected."""


def _run(con, metric: MetricDefinition, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    except duckdb.Error as error:
        # Only user-written SQL can fail here; the engine's own SQL failing is a bug and raises.
        if not _has_custom_sql(metric):
            raise
        reason = str(error).splitlines()[0][:300]
        raise MetricQueryError(
            f"metric '{metric.key}': its custom SQL could not run: {reason}"
        ) from error


def _has_custom_sql(metric: MetricDefinition) -> bool:
    parts = [metric, metric.numerator, metric.denominator]
    return any(part is not None and part.custom_sql is not None for part in parts)


def straightforward_statistics(
    store: EventStore, experiment_key: str, metrics: Sequence[MetricDefinition]
) -> Statistics:
    """Reference path: the compiled metric SQL over every stored event, one query per metric."""
    con = store._connection()
    out: Statistics = {}
    for metric in metrics:
        sql = compile_metric_sql(metric, experiment_key, events_table=store.events_view)
        for variant, stats in stats_from_rows(metric, _run(con, metric, sql)).items():
            out.setdefault(variant, {})[metric.key] = stats
    return out


def variant_statistics(
    store: EventStore, experiment_key: str, metrics: Sequence[MetricDefinition]
) -> Statistics:
    """Fast path: per-variant statistics from the incremental roll-ups.

    Covers flushed events. A metric seen for the first time builds its roll-up once (the cost
    of one reference query); percentile and custom-SQL metrics use the reference SQL.
    """
    con = store._connection()
    fast = [m for m in metrics if rollups.supports(m)]
    per_metric = rollups.statistics(
        con, metrics=fast, experiment_key=experiment_key, events_view=store.events_view
    )
    out: Statistics = {}
    for metric in metrics:
        if metric in fast:
            per_variant = per_metric[metric.key]
        else:
            reference = straightforward_statistics(store, experiment_key, [metric])
            per_variant = {v: m[metric.key] for v, m in reference.items()}
        for variant, stats in per_variant.items():
            out.setdefault(variant, {})[metric.key] = stats
    return out


def exposure_span(store: EventStore, experiment_key: str) -> tuple[datetime, datetime] | None:
    """The first and last exposure of an experiment (UTC), or None before any exposure."""
    row = (
        store._connection()
        .execute(
            f"SELECT MIN(ts), MAX(ts) FROM {store.events_view} "  # noqa: S608 - internal view
            "WHERE name = '$exposure' AND experiment = ?",
            [experiment_key],
        )
        .fetchone()
    )
    if row is None or row[0] is None:
        return None
    return row[0].astimezone(UTC), row[1].astimezone(UTC)


def statistics_before(
    store: EventStore, experiment_key: str, metric: MetricDefinition, moment: datetime
) -> dict[str, MomentStats | RatioStats]:
    """Per-variant statistics of one metric over the events before ``moment`` (the reference
    SQL on a temporary view of the store's events; for the cumulative effect over time)."""
    con = store._connection()
    stamp = moment.astimezone(UTC).isoformat()  # an ISO timestamp is the only literal inlined
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW events_upto AS SELECT * FROM {store.events_view} "  # noqa: S608 - see above
        f"WHERE ts < TIMESTAMPTZ '{stamp}'"
    )
    sql = compile_metric_sql(metric, experiment_key, events_table="events_upto")
    return stats_from_rows(metric, _run(con, metric, sql))
