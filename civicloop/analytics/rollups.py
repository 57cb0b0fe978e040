# SQL is generated here by design: identifiers are internal, literals go through _lit/params.
# ruff: noqa: S608
"""Incremental per-unit roll-ups that make an experiment analysis a scan of one row per unit.

Tables (DuckDB, same database as the events):

``rollup_exposure(experiment, unit_id, first_ts, min_variant, max_variant)``
    one row per exposed unit and experiment; ``min_variant <> max_variant`` marks units that saw
    two variants (left out of every analysis, like the reference SQL).
``rollup_sources(id, experiment, event_name, window_hours, pre_window_hours)``
    the (experiment, event, windows) combinations that metrics asked for.
``rollup_exp_<n>(unit_id, variant, first_ts, c<k>, vc<k>, vs<k>, pc<k>, pvc<k>, pvs<k>, ...)``
    one wide table per experiment (``n`` from ``rollup_experiments``), one row per exposed
    single-variant unit, six additive components per source ``k``: events, non-null values and
    their sum in the metric window (``c, vc, vs``) and in the pre-exposure window
    (``pc, pvc, pvs``).

The writer calls :func:`apply_batch` inside the transaction that appends a batch, so roll-ups
and events commit together. For each batch:

1. exposures of the batch are merged; units whose first exposure or variant set changed form
   the *changed* set;
2. changed units are recomputed from the stored events (only events newer than the earliest
   changed first exposure minus the longest pre-window are read, which zone maps prune when
   events arrive roughly in time order);
3. for every other exposed unit the batch's events are classified against its known first
   exposure (an integer microsecond offset; events outside every window are dropped first),
   the non-zero deltas are staged in a temp table and *added* to the components by one
   ``UPDATE ... FROM`` (count, value count and value sum are additive).

Every metric value is a function of the components, so the per-variant moments of all the
experiment's metrics come from one ``GROUP BY variant`` scan of one row per unit, no join.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
    experiment VARCHAR NOT NULL, unit_id VARCHAR NOT NULL USING COMPRESSION uncompressed,
    first_ts TIMESTAMPTZ NOT NULL,
    min_variant VARCHAR NOT NULL, max_variant VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_experiments (id INTEGER PRIMARY KEY, experiment VARCHAR);
CREATE TABLE IF NOT EXISTS rollup_sources (
    id INTEGER PRIMARY KEY, experiment VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
    window_hours INTEGER, pre_window_hours INTEGER NOT NULL
);
"""
_PARTS = ("c", "vc", "vs", "pc", "pvc", "pvs")


def schema_create(con: Any) -> None:
    con.execute(SCHEMA)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ts_lit(value: Any) -> str:
    return f"TIMESTAMPTZ '{value.isoformat()}'"


Source = tuple[int, str, int | None, int]  # id, event name, window hours, pre-window hours


def _offset_components(sources: list[Source]) -> str:
    """Like :func:`_components` over rows with ``off`` = event time - first exposure in us.

    Integer microsecond offsets compare exactly like the TIMESTAMPTZ/INTERVAL conditions.
    """
    hour_us = 3_600_000_000
    parts = []
    for k, name, window, pre in sources:
        main = f"e.name = {_lit(name)} AND e.off >= 0"
        if window is not None:
            main += f" AND e.off < {int(window) * hour_us}"
        before = f"e.name = {_lit(name)} AND e.off < 0 AND e.off >= {-int(pre) * hour_us}"
        for prefix, cond in (("", main), ("p", before)):
            parts.append(f"COUNT(*) FILTER (WHERE {cond})::BIGINT AS {prefix}c{k}")
            parts.append(f"COUNT(e.value) FILTER (WHERE {cond})::BIGINT AS {prefix}vc{k}")
            parts.append(
                f"COALESCE(SUM(e.value) FILTER (WHERE {cond}), 0)::DOUBLE AS {prefix}vs{k}"
            )
    return ", ".join(parts)


def _unit_rows(units_sql: str, events_sql: str, sources: list[Source]) -> str:
    """SELECT of one roll-up row per unit of ``units_sql`` (unit_id, variant, first_ts) from
    the events of ``events_sql`` (unit_id, name, ts, value); units without events get zeros.

    Events outside every window and pre-window are dropped in the join condition.
    """
    longest_pre = max(pre for _, _, _, pre in sources)
    windows = [window for _, _, window, _ in sources if window is not None]
    near = f"ev.ts >= x.first_ts - INTERVAL {int(longest_pre)} HOUR"
    if len(windows) == len(sources):  # every source has a window: drop later events too
        near += f" AND ev.ts < x.first_ts + INTERVAL {int(max(windows))} HOUR"
    return (
        f"SELECT e.unit_id, e.variant, e.first_ts, {_offset_components(sources)} FROM ("
        "SELECT x.unit_id, x.variant, x.first_ts, ev.name, ev.value, "
        "epoch_us(ev.ts) - epoch_us(x.first_ts) AS off "
        f"FROM ({units_sql}) x LEFT JOIN ({events_sql}) ev "
        f"ON ev.unit_id = x.unit_id AND {near}) e "
        "GROUP BY e.unit_id, e.variant, e.first_ts"
    )


def _experiment_id(con: Any, experiment: str, *, create: bool) -> int | None:
    rows = con.execute(
        "SELECT id FROM rollup_experiments WHERE experiment = ?", [experiment]
    ).fetchall()
    if rows:
        return int(rows[0][0])
    if not create:
        return None
    new_id = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM rollup_experiments").fetchall()
    con.execute("INSERT INTO rollup_experiments VALUES (?, ?)", [new_id[0][0], experiment])
    return int(new_id[0][0])


def _sources(con: Any, experiment: str) -> list[Source]:
    return [
        (int(r[0]), r[1], r[2], int(r[3]))
        for r in con.execute(
            "SELECT id, event_name, window_hours, pre_window_hours FROM rollup_sources "
            "WHERE experiment = ? ORDER BY id",
            [experiment],
        ).fetchall()
    ]


def _names(sources: list[Source]) -> str:
    return ", ".join(sorted({_lit(name) for _, name, _, _ in sources}))


def _build_experiment(con: Any, experiment: str, events_view: str) -> None:
    exp_id = _experiment_id(con, experiment, create=True)
    sources = _sources(con, experiment)
    table = f"rollup_exp_{exp_id}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    # Rows are stored in first-exposure order: a batch of recent events can only touch units
    # exposed shortly before (or after) them, and the zone maps on first_ts let the delta
    # join and the UPDATE skip every other row group (see apply_batch). Unit ids are stored
    # uncompressed (see EVENTS_SCHEMA in store/__init__.py): every maintenance step joins on them.
    components = ", ".join(
        f"{part}{k} {'DOUBLE' if part.endswith('vs') else 'BIGINT'} NOT NULL"
        for k, _, _, _ in sources
        for part in _PARTS  # the column order of _offset_components
    )
    con.execute(
        f"CREATE TABLE {table} (unit_id VARCHAR NOT NULL USING COMPRESSION uncompressed, "
        f"variant VARCHAR NOT NULL, first_ts TIMESTAMPTZ NOT NULL, {components})"
    )
    con.execute(
        f"INSERT INTO {table} SELECT * FROM ("
        + _unit_rows(
            "SELECT unit_id, min_variant AS variant, first_ts FROM rollup_exposure "
            f"WHERE experiment = {_lit(experiment)} AND min_variant = max_variant",
            f"SELECT unit_id, name, ts, value FROM {events_view} WHERE name IN ({_names(sources)})",
            sources,
        )
        + ") ORDER BY first_ts"
    )


def sources_ensure(
    con: Any,
    *,
    experiment: str,
    specs: list[tuple[str, int | None, int]],
    events_view: str,
) -> dict[tuple[str, int | None, int], int]:
    """Source ids for (event name, window, pre-window) specs; new ones are built in one pass."""

    def lookup() -> dict[tuple[str, int | None, int], int]:
        return {(name, window, pre): k for k, name, window, pre in _sources(con, experiment)}

    known = lookup()
    missing = sorted({spec for spec in specs if spec not in known}, key=repr)
    if not missing:
        return known
    con.execute("BEGIN TRANSACTION")
    try:
        for name, window, pre in missing:
            next_id = "SELECT COALESCE(MAX(id), 0) + 1 FROM rollup_sources"
            source_id = con.execute(next_id).fetchall()[0][0]
            con.execute(
                "INSERT INTO rollup_sources VALUES (?, ?, ?, ?, ?)",
                [source_id, experiment, name, window, pre],
            )
        _build_experiment(con, experiment, events_view)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return lookup()


def rebuild_all(con: Any, *, events_view: str) -> None:
    """Recompute every roll-up from the stored events (after a bulk load or a repair)."""
    con.execute("DELETE FROM rollup_exposure")
    con.execute(
        "INSERT INTO rollup_exposure SELECT experiment, unit_id, MIN(ts), MIN(variant), "
        f"MAX(variant) FROM {events_view} WHERE name = {_lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id"
    )
    for (experiment,) in con.execute("SELECT DISTINCT experiment FROM rollup_sources").fetchall():
        _build_experiment(con, experiment, events_view)


class _Laps:
    """Seconds (wall and CPU) per step of one batch, added into ``timings`` when given."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.clock, self.cpu = time.perf_counter(), time.process_time()

    def __call__(self, step: str) -> None:
        if self.timings is None:
            return
        now, now_cpu = time.perf_counter(), time.process_time()
        self.timings[step] = self.timings.get(step, 0.0) + now - self.clock
        self.timings[step + "_cpu"] = self.timings.get(step + "_cpu", 0.0) + now_cpu - self.cpu
        self.clock, self.cpu = now, now_cpu


def apply_batch(
    con: Any, *, batch: str, events_view: str, timings: dict[str, float] | None = None
) -> None:
    """Fold the events of temp table ``batch`` (already appended to the store) into roll-ups.

    Runs inside the caller's transaction. ``timings`` (optional) receives seconds per step.
    """
    lap = _Laps(timings)
    changed = _exposures_merge(con, batch, lap)
    experiments = con.execute("SELECT id, experiment FROM rollup_experiments").fetchall()
    for exp_id, experiment in experiments:
        sources = _sources(con, experiment)
        if not sources:
            continue
        table = f"rollup_exp_{exp_id}"
        if experiment in changed:
            _units_recompute(con, table, experiment, sources, changed[experiment], events_view)
            lap("recompute_changed")
        _deltas_add(con, table, experiment, sources, batch, experiment in changed, lap)


def _exposures_merge(con: Any, batch: str, lap: _Laps) -> dict[str, tuple]:
    """Merge the batch's exposures into ``rollup_exposure``; per experiment whose units
    changed: (earliest, latest first exposure of units to recompute, earliest old first
    exposure of known units, how many known units changed)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE rollup_changed AS "
        "WITH bx AS (SELECT experiment, unit_id, MIN(ts) AS first_ts, MIN(variant) AS minv, "
        f"MAX(variant) AS maxv FROM {batch} WHERE name = {_lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id) "
        "SELECT b.experiment, b.unit_id, "
        "LEAST(b.first_ts, COALESCE(e.first_ts, b.first_ts)) AS first_ts, "
        "LEAST(b.minv, COALESCE(e.min_variant, b.minv)) AS minv, "
        "GREATEST(b.maxv, COALESCE(e.max_variant, b.maxv)) AS maxv, "
        "e.unit_id IS NULL AS is_new, e.first_ts AS old_first_ts "
        "FROM bx b LEFT JOIN rollup_exposure e "
        "ON e.experiment = b.experiment AND e.unit_id = b.unit_id "
        "WHERE e.unit_id IS NULL OR b.first_ts < e.first_ts OR b.minv < e.min_variant "
        "OR b.maxv > e.max_variant"
    )
    # Per experiment: earliest/latest first exposure of the units to recompute (those left
    # with one variant: a unit that now saw two is only dropped, whatever its age), earliest
    # old first exposure of units already known, and how many such known units there are.
    changed = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT experiment, MIN(first_ts) FILTER (WHERE minv = maxv), "
            "MAX(first_ts) FILTER (WHERE minv = maxv), MIN(old_first_ts), "
            "COUNT(*) FILTER (WHERE NOT is_new) FROM rollup_changed GROUP BY experiment"
        ).fetchall()
    }
    lap("exposure_diff")
    if changed:
        if any(known for *_, known in changed.values()):
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
    lap("exposure_merge")
    return changed


def _longest_windows(sources: list[Source]) -> tuple[Any, Any]:
    """The longest pre-window, and the longest window (None when some source has none)."""
    longest_pre = max(pre for _, _, _, pre in sources)
    windows = [window for _, _, window, _ in sources if window is not None]
    return longest_pre, max(windows) if len(windows) == len(sources) else None


def _units_recompute(
    con: Any, table: str, experiment: str, sources: list[Source], change: tuple, events_view: str
) -> None:
    """Recompute the rows of the experiment's units whose exposure the batch changed."""
    exp_lit = _lit(experiment)
    longest_pre, longest_window = _longest_windows(sources)
    low, high, old_low, known = change
    if known:  # units already in the table lose their row (recomputed just below)
        con.execute(
            f"DELETE FROM {table} WHERE first_ts >= {_ts_lit(old_low)} AND unit_id IN "
            f"(SELECT unit_id FROM rollup_changed WHERE experiment = {exp_lit} "
            "AND NOT is_new)"
        )
    if low is not None:  # some unit with one variant to (re)compute
        near = f"ts >= {_ts_lit(low)} - INTERVAL {int(longest_pre)} HOUR"
        if longest_window is not None:
            near += f" AND ts < {_ts_lit(high)} + INTERVAL {int(longest_window)} HOUR"
        con.execute(
            f"INSERT INTO {table} "
            + _unit_rows(
                "SELECT unit_id, minv AS variant, first_ts FROM rollup_changed "
                f"WHERE experiment = {exp_lit} AND minv = maxv",
                f"SELECT unit_id, name, ts, value FROM {events_view} "
                f"WHERE name IN ({_names(sources)}) AND {near}",
                sources,
            )
        )


def _deltas_add(
    con: Any,
    table: str,
    experiment: str,
    sources: list[Source],
    batch: str,
    changed: bool,
    lap: _Laps,
) -> None:
    """Add the batch's events to the components of the units they fall near."""
    names = _names(sources)
    longest_pre, longest_window = _longest_windows(sources)
    span = con.execute(f"SELECT MIN(ts), MAX(ts) FROM {batch} WHERE name IN ({names})")
    first, last = span.fetchall()[0]
    if first is None:
        return
    # An event at time t can only change units first exposed in
    # (t - longest window, t + longest pre-window]; the table is stored in first_ts
    # order, so this range predicate skips the other row groups by their zone maps.
    reach = f"first_ts <= {_ts_lit(last)} + INTERVAL {int(longest_pre)} HOUR"
    if longest_window is not None:
        reach += f" AND first_ts >= {_ts_lit(first)} - INTERVAL {int(longest_window)} HOUR"
    columns = [f"{p}{k}" for k, _, _, _ in sources for p in _PARTS]
    not_changed = (
        f"AND b.unit_id NOT IN (SELECT unit_id FROM rollup_changed "
        f"WHERE experiment = {_lit(experiment)}) "
        if changed
        else ""
    )
    # Only events inside some source's window or pre-window can change a component, so
    # the others are dropped before the wide GROUP BY, and only units with a non-zero
    # delta are staged and updated (one set-based UPDATE ... FROM the staged table).
    hour_us = 3_600_000_000
    keep = f"e.off >= {-longest_pre * hour_us}"
    if longest_window is not None:
        keep += f" AND e.off < {longest_window * hour_us}"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE rollup_delta AS "
        f"SELECT e.unit_id, {_offset_components(sources)} FROM ("
        "SELECT b.unit_id, b.name, b.value, "
        "epoch_us(b.ts) - epoch_us(x.first_ts) AS off "
        f"FROM (SELECT unit_id, name, ts, value FROM {batch} WHERE name IN ({names})) b "
        f"JOIN (SELECT unit_id, first_ts FROM {table} WHERE {reach}) x "
        f"ON x.unit_id = b.unit_id WHERE TRUE {not_changed}) e WHERE {keep} "
        "GROUP BY e.unit_id"
    )
    lap("stage_deltas")
    assignments = ", ".join(f"{c} = {table}.{c} + d.{c}" for c in columns)
    con.execute(
        f"UPDATE {table} SET {assignments} FROM rollup_delta d "
        f"WHERE {table}.unit_id = d.unit_id AND {reach}"
    )
    lap("add_deltas")


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
    exp_id = _experiment_id(con, experiment_key, create=False)
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
