# SQL is generated here by design: identifiers are internal, literals go through _lit/params.
# ruff: noqa: S608
"""Incremental per-unit roll-ups that make an experiment analysis a scan of one row per unit.

Tables (DuckDB, same database as the events):

``rollup_exposure(experiment, unit_id, first_ts, min_variant, max_variant)``
    one row per exposed unit and experiment; ``min_variant <> max_variant`` marks units that saw
    two variants (left out of every analysis, like the reference SQL).
``rollup_sources(id, experiment, event_name, window_hours, pre_window_hours)``
    the (experiment, event, windows) combinations that metrics asked for.
``rollup_unit_<id>(unit_id, variant, first_ts, cnt, vcnt, vsum, pcnt, pvcnt, pvsum)``
    additive components per exposed unit: events, non-null values and their sum in the metric
    window (``cnt, vcnt, vsum``) and in the pre-exposure window (``pcnt, pvcnt, pvsum``).

The writer calls :func:`apply_batch` inside the transaction that appends a batch, so roll-ups
and events commit together. For each batch:

1. exposures of the batch are merged; units whose first exposure or variant set changed form
   the *changed* set;
2. changed units are recomputed from the stored events (only events newer than the earliest
   changed first exposure minus the pre-window are read, which zone maps prune when events
   arrive roughly in time order);
3. for every other exposed unit the batch's events are classified against its known first
   exposure and *added* to its components (count, value count and value sum are additive).

Every metric value is a function of the components, so per-variant moments are one
``GROUP BY variant`` over one row per unit.
"""

from __future__ import annotations

from typing import Any

from civicloop.analytics.metrics import (
    EXPOSURE_EVENT,
    MetricDefinition,
    MomentStats,
    RatioStats,
)

ROLLUP_AGGREGATIONS = ("count", "sum", "mean", "any")

SCHEMA = """
CREATE TABLE IF NOT EXISTS rollup_exposure (
    experiment VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, first_ts TIMESTAMPTZ NOT NULL,
    min_variant VARCHAR NOT NULL, max_variant VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_sources (
    id INTEGER PRIMARY KEY, experiment VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
    window_hours INTEGER, pre_window_hours INTEGER NOT NULL
);
"""


def schema_create(con: Any) -> None:
    con.execute(SCHEMA)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _components(window_hours: int | None, pre_window_hours: int, e: str = "e") -> str:
    main = f"{e}.ts >= x.first_ts"
    if window_hours is not None:
        main += f" AND {e}.ts < x.first_ts + INTERVAL {int(window_hours)} HOUR"
    pre = f"{e}.ts < x.first_ts AND {e}.ts >= x.first_ts - INTERVAL {int(pre_window_hours)} HOUR"
    parts = []
    for prefix, cond in (("", main), ("p", pre)):
        parts.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)::BIGINT AS {prefix}cnt")
        parts.append(f"COUNT(CASE WHEN {cond} THEN {e}.value END)::BIGINT AS {prefix}vcnt")
        parts.append(
            f"COALESCE(SUM(CASE WHEN {cond} THEN {e}.value END), 0)::DOUBLE AS {prefix}vsum"
        )
    return ", ".join(parts)


def _source_row(con: Any, source_id: int) -> tuple:
    return con.execute(
        "SELECT experiment, event_name, window_hours, pre_window_hours FROM rollup_sources "
        "WHERE id = ?",
        [source_id],
    ).fetchall()[0]


def _build_source(con: Any, source_id: int, events_view: str) -> None:
    experiment, name, window, pre = _source_row(con, source_id)
    table = f"rollup_unit_{source_id}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TABLE {table} AS "
        f"SELECT x.unit_id, x.min_variant AS variant, x.first_ts, {_components(window, pre)} "
        f"FROM rollup_exposure x LEFT JOIN "
        f"(SELECT unit_id, ts, value FROM {events_view} WHERE name = {_lit(name)}) e "
        "ON e.unit_id = x.unit_id "
        f"WHERE x.experiment = {_lit(experiment)} AND x.min_variant = x.max_variant "
        "GROUP BY x.unit_id, x.min_variant, x.first_ts"
    )


def source_ensure(
    con: Any,
    *,
    experiment: str,
    event_name: str,
    window_hours: int | None,
    pre_window_hours: int,
    events_view: str,
) -> int:
    """Id of the roll-up for this combination, building it from stored events the first time."""
    rows = con.execute(
        "SELECT id FROM rollup_sources WHERE experiment = ? AND event_name = ? "
        "AND window_hours IS NOT DISTINCT FROM ? AND pre_window_hours = ?",
        [experiment, event_name, window_hours, pre_window_hours],
    ).fetchall()
    if rows:
        return int(rows[0][0])
    con.execute("BEGIN TRANSACTION")
    try:
        source_id = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM rollup_sources").fetchall()[
            0
        ][0]
        con.execute(
            "INSERT INTO rollup_sources VALUES (?, ?, ?, ?, ?)",
            [source_id, experiment, event_name, window_hours, pre_window_hours],
        )
        _build_source(con, source_id, events_view)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(source_id)


def rebuild_all(con: Any, *, events_view: str) -> None:
    """Recompute every roll-up from the stored events (after a bulk load or a repair)."""
    con.execute("DELETE FROM rollup_exposure")
    con.execute(
        "INSERT INTO rollup_exposure SELECT experiment, unit_id, MIN(ts), MIN(variant), "
        f"MAX(variant) FROM {events_view} WHERE name = {_lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id"
    )
    for (source_id,) in con.execute("SELECT id FROM rollup_sources").fetchall():
        _build_source(con, source_id, events_view)


def apply_batch(con: Any, *, batch: str, events_view: str) -> None:
    """Fold the events of temp table ``batch`` (already appended to the store) into roll-ups.

    Runs inside the caller's transaction.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE rollup_changed AS "
        "WITH bx AS (SELECT experiment, unit_id, MIN(ts) AS first_ts, MIN(variant) AS minv, "
        f"MAX(variant) AS maxv FROM {batch} WHERE name = {_lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id) "
        "SELECT b.experiment, b.unit_id, "
        "LEAST(b.first_ts, COALESCE(e.first_ts, b.first_ts)) AS first_ts, "
        "LEAST(b.minv, COALESCE(e.min_variant, b.minv)) AS minv, "
        "GREATEST(b.maxv, COALESCE(e.max_variant, b.maxv)) AS maxv, "
        "e.unit_id IS NULL AS is_new "
        "FROM bx b LEFT JOIN rollup_exposure e "
        "ON e.experiment = b.experiment AND e.unit_id = b.unit_id "
        "WHERE e.unit_id IS NULL OR b.first_ts < e.first_ts OR b.minv < e.min_variant "
        "OR b.maxv > e.max_variant"
    )
    has_changes = con.execute("SELECT COUNT(*) FROM rollup_changed").fetchall()[0][0] > 0
    if has_changes:
        con.execute(
            "UPDATE rollup_exposure SET first_ts = c.first_ts, min_variant = c.minv, "
            "max_variant = c.maxv FROM rollup_changed c WHERE NOT c.is_new "
            "AND rollup_exposure.experiment = c.experiment "
            "AND rollup_exposure.unit_id = c.unit_id"
        )
        con.execute(
            "INSERT INTO rollup_exposure SELECT experiment, unit_id, first_ts, minv, maxv "
            "FROM rollup_changed WHERE is_new"
        )
    sources = con.execute(
        "SELECT id, experiment, event_name, window_hours, pre_window_hours FROM rollup_sources"
    ).fetchall()
    for source_id, experiment, name, window, pre in sources:
        table = f"rollup_unit_{source_id}"
        exp_lit = _lit(experiment)
        if has_changes:
            low = con.execute(
                "SELECT MIN(first_ts) FROM rollup_changed WHERE experiment = ?", [experiment]
            ).fetchall()[0][0]
        else:
            low = None
        if low is not None:
            con.execute(
                f"DELETE FROM {table} WHERE unit_id IN "
                f"(SELECT unit_id FROM rollup_changed WHERE experiment = {exp_lit})"
            )
            con.execute(
                f"INSERT INTO {table} "
                f"SELECT x.unit_id, x.minv, x.first_ts, {_components(window, pre)} "
                "FROM (SELECT * FROM rollup_changed "
                f"WHERE experiment = {exp_lit} AND minv = maxv) x "
                f"LEFT JOIN (SELECT unit_id, ts, value FROM {events_view} "
                f"WHERE name = {_lit(name)} "
                f"AND ts >= ?::TIMESTAMPTZ - INTERVAL {int(pre)} HOUR) e "
                "ON e.unit_id = x.unit_id GROUP BY x.unit_id, x.minv, x.first_ts",
                [low],
            )
        con.execute(
            f"UPDATE {table} SET cnt = {table}.cnt + d.cnt, vcnt = {table}.vcnt + d.vcnt, "
            f"vsum = {table}.vsum + d.vsum, pcnt = {table}.pcnt + d.pcnt, "
            f"pvcnt = {table}.pvcnt + d.pvcnt, pvsum = {table}.pvsum + d.pvsum "
            f"FROM (SELECT e.unit_id, {_components(window, pre)} "
            f"FROM (SELECT unit_id, ts, value FROM {batch} WHERE name = {_lit(name)}) e "
            f"JOIN {table} x ON x.unit_id = e.unit_id "
            "WHERE e.unit_id NOT IN "
            f"(SELECT unit_id FROM rollup_changed WHERE experiment = {exp_lit}) "
            f"GROUP BY e.unit_id) d WHERE {table}.unit_id = d.unit_id"
        )


def _value_exprs(metric: MetricDefinition, t: str) -> tuple[str, str]:
    agg = metric.aggregation
    if agg == "count":
        return f"{t}.cnt::DOUBLE", f"{t}.pcnt::DOUBLE"
    if agg == "sum":
        return f"{t}.vsum", f"{t}.pvsum"
    if agg == "any":
        return (
            f"CASE WHEN {t}.cnt > 0 THEN 1.0 ELSE 0.0 END",
            f"CASE WHEN {t}.pcnt > 0 THEN 1.0 ELSE 0.0 END",
        )
    if agg == "mean":
        return (
            f"CASE WHEN {t}.vcnt > 0 THEN {t}.vsum / {t}.vcnt END",
            f"CASE WHEN {t}.pvcnt > 0 THEN {t}.pvsum / {t}.pvcnt ELSE 0.0 END",
        )
    raise ValueError(f"aggregation {agg!r} has no roll-up")


def supports(metric: MetricDefinition) -> bool:
    """Whether the roll-ups can answer this metric (else the reference SQL is used)."""
    if metric.is_ratio:
        return all(supports(p) for p in (metric.numerator, metric.denominator))  # type: ignore[arg-type]
    return metric.custom_sql is None and metric.aggregation in ROLLUP_AGGREGATIONS


def metric_statistics(
    con: Any, *, metric: MetricDefinition, experiment_key: str, events_view: str
) -> dict[str, MomentStats | RatioStats]:
    """Per-variant sufficient statistics of ``metric`` read from the roll-ups."""

    def source(m: MetricDefinition) -> int:
        return source_ensure(
            con,
            experiment=experiment_key,
            event_name=m.event_name,  # type: ignore[arg-type]
            window_hours=m.window_hours,
            pre_window_hours=m.pre_window_hours,
            events_view=events_view,
        )

    if metric.is_ratio:
        num, den = metric.numerator, metric.denominator
        assert num is not None
        assert den is not None
        s_num, s_den = source(num), source(den)
        a, _ = _value_exprs(num, "u0")
        b, _ = _value_exprs(den, "u1")
        join = (
            f"rollup_unit_{s_num} u0"
            if s_num == s_den
            else f"rollup_unit_{s_num} u0 JOIN rollup_unit_{s_den} u1 ON u0.unit_id = u1.unit_id"
        )
        if s_num == s_den:
            b = b.replace("u1.", "u0.")
        rows = con.execute(
            f"SELECT u0.variant, COUNT(*), SUM({a}), SUM(({a}) * ({a})), SUM({b}), "
            f"SUM(({b}) * ({b})), SUM(({a}) * ({b})) FROM {join} GROUP BY u0.variant "
            "ORDER BY u0.variant"
        ).fetchall()
        return {r[0]: RatioStats(r[0], int(r[1]), *(float(v or 0.0) for v in r[2:])) for r in rows}
    y, x = _value_exprs(metric, "u")
    rows = con.execute(
        f"SELECT variant, COUNT(*), SUM(y), SUM(y * y), SUM(x), SUM(x * x), SUM(x * y) "
        f"FROM (SELECT u.variant, {y} AS y, {x} AS x FROM rollup_unit_{source(metric)} u) "
        "WHERE y IS NOT NULL GROUP BY variant ORDER BY variant"
    ).fetchall()
    return {r[0]: MomentStats(r[0], int(r[1]), *(float(v or 0.0) for v in r[2:])) for r in rows}
