# SQL is generated here by design: identifiers are internal, literals go through lit().
# ruff: noqa: S608
"""Folding one writer batch into the roll-ups: exposures, recompute, deltas (ADR 0018)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyarrow as pa

from civicloop.analytics.exposure_directory import ExposureDirectories
from civicloop.analytics.rollups.exposures import Change, exposures_merge
from civicloop.analytics.rollups.sql import (
    HOUR_US,
    Source,
    component_columns,
    lit,
    longest_windows,
    names,
    source_list,
    ts_lit,
    unit_rows,
)


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
    changed = exposures_merge(con, batch, directories or ExposureDirectories(), lap)
    experiments = con.execute("SELECT id, experiment FROM rollup_experiments").fetchall()
    for exp_id, experiment in experiments:
        sources = source_list(con, experiment)
        if not sources:
            continue
        table = f"rollup_exp_{exp_id}"
        if experiment in changed:
            _units_recompute(con, table, experiment, sources, changed[experiment], events_view)
            lap("recompute_changed")
        _deltas_add(con, table, experiment, sources, batch, experiment in changed, lap)


def _units_recompute(
    con: Any, table: str, experiment: str, sources: list[Source], change: Change, events_view: str
) -> None:
    """Recompute the rows of the experiment's units whose exposure the batch changed.

    Only events newer than the earliest changed first exposure minus the longest pre-window
    are read, which zone maps prune when events arrive roughly in time order.
    """
    exp_lit = lit(experiment)
    longest_pre, longest_window = longest_windows(sources)
    if change.known:  # units already in the table lose their row (recomputed just below)
        con.execute(
            f"DELETE FROM {table} WHERE first_ts >= {ts_lit(change.old_low)} AND unit_id IN "
            f"(SELECT unit_id FROM rollup_changed WHERE experiment = {exp_lit} "
            "AND NOT is_new)"
        )
    if change.low is not None:  # some unit with one variant to (re)compute
        near = f"ts >= {ts_lit(change.low)} - INTERVAL {int(longest_pre)} HOUR"
        if longest_window is not None:
            near += f" AND ts < {ts_lit(change.high)} + INTERVAL {int(longest_window)} HOUR"
        con.execute(
            f"INSERT INTO {table} "
            + unit_rows(
                "SELECT unit_id, variant, first_ts FROM rollup_changed "
                f"WHERE experiment = {exp_lit} AND variant IS NOT NULL",
                f"SELECT unit_id, name, ts, value FROM {events_view} "
                f"WHERE name IN ({names(sources)}) AND {near}",
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
    """Add the batch's events to the components of the units they fall near (every unit but
    those just recomputed): the non-zero deltas are summed per unit with numpy and *added* to
    the components by one ``UPDATE ... FROM`` on the row id (the components are additive)."""
    span = con.execute(f"SELECT MIN(ts), MAX(ts) FROM {batch} WHERE name IN ({names(sources)})")
    first, last = span.fetchall()[0]
    if first is None:
        return
    reach = _reach(sources, first, last)
    rows = _delta_rows(con, table, experiment, sources, batch, changed, reach)
    columns = component_columns(sources)
    staged = _delta_table(rows, sources, sorted({name for _, name, _, _ in sources}), columns)
    lap("stage_deltas")
    if staged is None:
        return
    _deltas_update(con, table, staged, columns, reach)
    lap("add_deltas")


def _reach(sources: list[Source], first: Any, last: Any) -> str:
    """Which rows events between ``first`` and ``last`` can change, as a first_ts predicate.

    An event at time t can only change units first exposed in (t - longest window,
    t + longest pre-window]; the table is stored in first_ts order, so this range predicate
    skips the other row groups by their zone maps.
    """
    longest_pre, longest_window = longest_windows(sources)
    reach = f"first_ts <= {ts_lit(last)} + INTERVAL {int(longest_pre)} HOUR"
    if longest_window is not None:
        reach += f" AND first_ts >= {ts_lit(first)} - INTERVAL {int(longest_window)} HOUR"
    return reach


def _delta_rows(
    con: Any,
    table: str,
    experiment: str,
    sources: list[Source],
    batch: str,
    changed: bool,
    reach: str,
) -> dict[str, Any]:
    """One narrow row per batch event that counts: row id of its unit's row, event-name code,
    offset from the unit's first exposure (µs), whether it has a value, the value.

    Only events inside some source's window or pre-window can change a component, so the
    others are dropped here (summing them per unit in a DuckDB GROUP BY of 18 conditional
    aggregates cost several times more than numpy does).
    """
    longest_pre, longest_window = longest_windows(sources)
    keep = f"off >= {-longest_pre * HOUR_US}"
    if longest_window is not None:
        keep += f" AND off < {longest_window * HOUR_US}"
    not_changed = (
        f"AND b.unit_id NOT IN (SELECT unit_id FROM rollup_changed "
        f"WHERE experiment = {lit(experiment)}) "
        if changed
        else ""
    )
    distinct_names = sorted({name for _, name, _, _ in sources})
    name_code = " ".join(f"WHEN {lit(n)} THEN {i}" for i, n in enumerate(distinct_names))
    return con.sql(
        "SELECT rid, nk, off, has_value, value FROM ("
        f"SELECT x.rid, CASE b.name {name_code} END::INTEGER AS nk, "
        "epoch_us(b.ts) - epoch_us(x.first_ts) AS off, "
        "b.value IS NOT NULL AS has_value, COALESCE(b.value, 0)::DOUBLE AS value "
        f"FROM (SELECT unit_id, name, ts, value FROM {batch} "
        f"WHERE name IN ({names(sources)})) b "
        f"JOIN (SELECT rowid AS rid, unit_id, first_ts FROM {table} WHERE {reach}) x "
        f"ON x.unit_id = b.unit_id WHERE TRUE {not_changed}) WHERE {keep}"
    ).fetchnumpy()


def _deltas_update(con: Any, table: str, staged: pa.Table, columns: list[str], reach: str) -> None:
    """Add the staged per-unit deltas to the unit rows; the row id (stable within this
    transaction) spares the UPDATE a second join on the unit id strings."""
    assignments = ", ".join(f"{c} = {table}.{c} + d.{c}" for c in columns)
    con.register("rollup_delta", staged)
    try:
        con.execute(
            f"UPDATE {table} SET {assignments} FROM rollup_delta d "
            f"WHERE {table}.rowid = d.rid AND {reach}"
        )
    finally:
        con.unregister("rollup_delta")


def _delta_table(
    rows: dict[str, Any], sources: list[Source], names: list[str], columns: list[str]
) -> pa.Table | None:
    """Per-unit sums of the components over event rows (rid, nk, off, has_value, value), in
    the column order of ``columns``; None when no unit's components change.

    The conditions are those of :func:`sql.offset_components` (integer microsecond offsets)."""
    rid = np.asarray(rows["rid"], dtype=np.int64)
    if not len(rid):
        return None
    units, inverse = np.unique(rid, return_inverse=True)
    nk = np.asarray(rows["nk"], dtype=np.int64)
    off = np.asarray(rows["off"], dtype=np.int64)
    has_value = np.asarray(rows["has_value"], dtype=bool)
    value = np.asarray(rows["value"], dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    touched = np.zeros(len(units), bool)
    for k, name, window, pre in sources:
        named = nk == names.index(name)
        main = named & (off >= 0)
        if window is not None:
            main &= off < int(window) * HOUR_US
        before = named & (off < 0) & (off >= -int(pre) * HOUR_US)
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
