# SQL is generated here by design: identifiers are internal, literals go through _lit/params.
# ruff: noqa: S608
"""Incremental per-unit roll-ups that make an experiment analysis a scan of one row per unit.

Tables (DuckDB, same database as the events):

``rollup_exposure(experiment, unit_id, first_ts, min_variant, max_variant)``
    append-only: a unit's exposure to an experiment is the aggregate of its rows (earliest
    ``first_ts``, least ``min_variant``, greatest ``max_variant``); ``min_variant <> max_variant``
    marks units that saw two variants (left out of every analysis, like the reference SQL).
    ``rebuild_all`` writes one row per unit; each batch appends one row per unit whose exposure
    it changed.
``rollup_sources(id, experiment, event_name, window_hours, pre_window_hours)``
    the (experiment, event, windows) combinations that metrics asked for.
``rollup_exp_<n>(unit_id, variant, first_ts, c<k>, vc<k>, vs<k>, pc<k>, pvc<k>, pvs<k>, ...)``
    one wide table per experiment (``n`` from ``rollup_experiments``), one row per exposed
    single-variant unit, six additive components per source ``k``: events, non-null values and
    their sum in the metric window (``c, vc, vs``) and in the pre-exposure window
    (``pc, pvc, pvs``).

The writer calls :func:`apply_batch` inside the transaction that appends a batch, so roll-ups
and events commit together. For each batch:

1. exposures of the batch are looked up in the writer's in-memory directory of exposed units
   (``exposure_directory``, ADR 0018), which answers in time proportional to the batch's
   exposures; units whose first exposure or variant set changed form the *changed* set, and
   their batch rows are appended to ``rollup_exposure``;
2. changed units are recomputed from the stored events (only events newer than the earliest
   changed first exposure minus the longest pre-window are read, which zone maps prune when
   events arrive roughly in time order);
3. for every other exposed unit the batch's events are classified against its known first
   exposure (an integer microsecond offset; events outside every window are dropped first),
   the non-zero deltas are staged (with the row id of the unit's row) in a temp table and
   *added* to the components by one ``UPDATE ... FROM`` on the row id (count, value count
   and value sum are additive).

Every metric value is a function of the components, so the per-variant moments of all the
experiment's metrics come from one ``GROUP BY variant`` scan of one row per unit, no join.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from civicloop.analytics.exposure_directory import MULTI, ExposureDirectories
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
        # CASE inside plain aggregates, not FILTER clauses: DuckDB evaluates each FILTER of a
        # grouped aggregate as its own pass over the groups, which made this GROUP BY of 18
        # filtered aggregates most of the writer's roll-up time (ADR 0018).
        for prefix, cond in (("", main), ("p", before)):
            parts.append(f"COUNT(CASE WHEN {cond} THEN 1 END)::BIGINT AS {prefix}c{k}")
            parts.append(f"COUNT(CASE WHEN {cond} THEN e.value END)::BIGINT AS {prefix}vc{k}")
            parts.append(
                f"COALESCE(SUM(CASE WHEN {cond} THEN e.value END), 0)::DOUBLE AS {prefix}vs{k}"
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
            "SELECT unit_id, MIN(min_variant) AS variant, MIN(first_ts) AS first_ts "
            f"FROM rollup_exposure WHERE experiment = {_lit(experiment)} "
            "GROUP BY unit_id HAVING MIN(min_variant) = MAX(max_variant)",
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


def rebuild_all(
    con: Any, *, events_view: str, directories: ExposureDirectories | None = None
) -> None:
    """Recompute every roll-up from the stored events (after a bulk load or a repair)."""
    if directories is not None:
        directories.clear()
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
    con: Any,
    *,
    batch: str,
    events_view: str,
    timings: dict[str, float] | None = None,
    directories: ExposureDirectories | None = None,
) -> None:
    """Fold the events of temp table ``batch`` (already appended to the store) into roll-ups.

    Runs inside the caller's transaction. ``timings`` (optional) receives seconds per step.
    ``directories`` is the writer's in-memory directory of exposed units; it is updated here,
    so the caller must ``clear()`` it when the transaction does not commit. Without one, a
    throw-away directory is built from ``rollup_exposure`` (correct, but a scan per batch).
    """
    lap = _Laps(timings)
    changed = _exposures_merge(con, batch, directories or ExposureDirectories(), lap)
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


def _exposures_merge(
    con: Any, batch: str, directories: ExposureDirectories, lap: _Laps
) -> dict[str, tuple]:
    """Merge the batch's exposures into the directory and ``rollup_exposure``; per experiment
    whose units changed: (earliest, latest first exposure of units to recompute, earliest old
    first exposure of known units, how many known units changed).

    Leaves the changed units in temp table ``rollup_changed(experiment, unit_id, first_ts,
    variant, is_new, old_first_ts)``; ``variant`` is NULL for a unit that now saw two variants.
    """
    rows = con.sql(
        "SELECT experiment, unit_id, hash(unit_id) AS h, epoch_us(MIN(ts)) AS first_us, "
        "MIN(variant) AS minv, MAX(variant) AS maxv "
        f"FROM {batch} WHERE name = {_lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id"
    ).to_arrow_table()
    lap("exposure_read")
    appended: list[pa.Table] = []
    changed_parts: list[pa.Table] = []
    changed: dict[str, tuple] = {}
    experiments = pc.unique(rows.column("experiment")).to_pylist() if rows.num_rows else []
    for experiment in experiments:
        part = rows.filter(pc.equal(rows.column("experiment"), experiment))
        directory = directories.get(con, experiment)
        keys = part.column("h").to_numpy().astype(np.uint64, copy=False)
        units = part.column("unit_id").combine_chunks()
        batch_first = part.column("first_us").to_numpy().astype(np.int64, copy=False)
        batch_variant = directory.variant_codes(
            part.column("minv").combine_chunks(), part.column("maxv").combine_chunks()
        )
        where = directory.locate(keys, units)
        known = where.found
        old_first, old_variant = directory.get(where)
        same = (batch_variant == old_variant) & (batch_variant != MULTI)
        new_first = np.where(known, np.minimum(old_first, batch_first), batch_first)
        new_variant = np.where(known, np.where(same, old_variant, MULTI), batch_variant)
        change = ~known | (batch_first < old_first) | (new_variant != old_variant)
        if not change.any():
            continue
        appended.append(part.filter(pa.array(change)))
        pick = np.nonzero(change)[0]
        variants = pa.array(directory.variants + [None], pa.string())
        changed_parts.append(
            pa.table(
                {
                    "experiment": pa.array([experiment] * len(pick), pa.string()),
                    "unit_id": units.take(pa.array(pick)).cast(pa.string()),
                    "first_ts": pa.array(new_first[pick], pa.timestamp("us", tz="UTC")),
                    # MULTI picks the trailing None
                    "variant": variants.take(
                        pa.array(
                            np.where(
                                new_variant[pick] == MULTI, len(variants) - 1, new_variant[pick]
                            )
                        )
                    ),
                    "is_new": pa.array(~known[pick]),
                    "old_first_ts": pa.array(
                        old_first[pick], pa.timestamp("us", tz="UTC"), mask=~known[pick]
                    ),
                }
            )
        )
        single = change & (new_variant != MULTI)
        known_changed = change & known
        changed[experiment] = (
            _when(new_first[single].min()) if single.any() else None,
            _when(new_first[single].max()) if single.any() else None,
            _when(old_first[known_changed].min()) if known_changed.any() else None,
            int(known_changed.sum()),
        )
        directory.set(where, known_changed, new_first, new_variant)
        fresh = ~known
        directory.insert(
            keys[fresh],
            units.filter(pa.array(fresh)),
            new_first[fresh],
            new_variant[fresh].astype(np.int32),
        )
    empty = pa.table(
        {
            "experiment": pa.array([], pa.string()),
            "unit_id": pa.array([], pa.string()),
            "first_ts": pa.array([], pa.timestamp("us", tz="UTC")),
            "variant": pa.array([], pa.string()),
            "is_new": pa.array([], pa.bool_()),
            "old_first_ts": pa.array([], pa.timestamp("us", tz="UTC")),
        }
    )
    staged = pa.concat_tables(changed_parts) if changed_parts else empty
    con.register("rollup_changed_arrow", staged)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rollup_changed AS SELECT * FROM rollup_changed_arrow"
        )
    finally:
        con.unregister("rollup_changed_arrow")
    lap("exposure_diff")
    if appended:
        con.register("rollup_exposure_arrow", pa.concat_tables(appended))
        try:
            con.execute(
                "INSERT INTO rollup_exposure SELECT experiment, unit_id, "
                "make_timestamp(first_us)::TIMESTAMPTZ, minv, maxv FROM rollup_exposure_arrow"
            )
        finally:
            con.unregister("rollup_exposure_arrow")
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
                "SELECT unit_id, variant, first_ts FROM rollup_changed "
                f"WHERE experiment = {exp_lit} AND variant IS NOT NULL",
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
    # Only events inside some source's window or pre-window can change a component, so the
    # others are dropped in the join; the few remaining rows (one per event that counts, with
    # the row id of its unit's row) are summed per unit with numpy (a DuckDB GROUP BY of 18
    # conditional aggregates cost several times more), and only units with a non-zero delta
    # are staged and updated (one set-based UPDATE ... FROM the staged table, on the row id).
    hour_us = 3_600_000_000
    keep = f"off >= {-longest_pre * hour_us}"
    if longest_window is not None:
        keep += f" AND off < {longest_window * hour_us}"
    distinct_names = sorted({name for _, name, _, _ in sources})
    name_code = " ".join(f"WHEN {_lit(n)} THEN {i}" for i, n in enumerate(distinct_names))
    rows = con.sql(
        "SELECT rid, nk, off, has_value, value FROM ("
        f"SELECT x.rid, CASE b.name {name_code} END::INTEGER AS nk, "
        "epoch_us(b.ts) - epoch_us(x.first_ts) AS off, "
        "b.value IS NOT NULL AS has_value, COALESCE(b.value, 0)::DOUBLE AS value "
        f"FROM (SELECT unit_id, name, ts, value FROM {batch} WHERE name IN ({names})) b "
        f"JOIN (SELECT rowid AS rid, unit_id, first_ts FROM {table} WHERE {reach}) x "
        f"ON x.unit_id = b.unit_id WHERE TRUE {not_changed}) WHERE {keep}"
    ).fetchnumpy()
    staged = _delta_table(rows, sources, distinct_names, columns)
    if staged is None:
        lap("stage_deltas")
        return
    lap("stage_deltas")
    # The row id (stable within this transaction) spares the UPDATE a second join on the
    # unit id strings.
    assignments = ", ".join(f"{c} = {table}.{c} + d.{c}" for c in columns)
    con.register("rollup_delta", staged)
    try:
        con.execute(
            f"UPDATE {table} SET {assignments} FROM rollup_delta d "
            f"WHERE {table}.rowid = d.rid AND {reach}"
        )
    finally:
        con.unregister("rollup_delta")
    lap("add_deltas")


def _delta_table(
    rows: dict[str, Any], sources: list[Source], names: list[str], columns: list[str]
) -> pa.Table | None:
    """Per-unit sums of the components over event rows (rid, nk, off, has_value, value), in
    the column order of ``columns``; None when no unit's components change.

    The conditions are those of :func:`_offset_components` (integer microsecond offsets)."""
    rid = np.asarray(rows["rid"], dtype=np.int64)
    if not len(rid):
        return None
    units, inverse = np.unique(rid, return_inverse=True)
    nk = np.asarray(rows["nk"], dtype=np.int64)
    off = np.asarray(rows["off"], dtype=np.int64)
    has_value = np.asarray(rows["has_value"], dtype=bool)
    value = np.asarray(rows["value"], dtype=np.float64)
    hour_us = 3_600_000_000
    out: dict[str, np.ndarray] = {}
    touched = np.zeros(len(units), bool)
    for k, name, window, pre in sources:
        named = nk == names.index(name)
        main = named & (off >= 0)
        if window is not None:
            main &= off < int(window) * hour_us
        before = named & (off < 0) & (off >= -int(pre) * hour_us)
        for prefix, cond in (("", main), ("p", before)):
            counts = np.bincount(inverse[cond], minlength=len(units))
            out[f"{prefix}c{k}"] = counts.astype(np.int64)
            with_value = cond & has_value
            out[f"{prefix}vc{k}"] = np.bincount(inverse[with_value], minlength=len(units)).astype(
                np.int64
            )
            out[f"{prefix}vs{k}"] = np.bincount(
                inverse[with_value], weights=value[with_value], minlength=len(units)
            )
            touched |= counts > 0
    if not touched.any():
        return None
    table = {"rid": pa.array(units[touched])}
    for column in columns:
        table[column] = pa.array(out[column][touched])
    return pa.table(table)


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
