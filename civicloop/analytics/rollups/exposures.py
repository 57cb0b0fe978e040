# SQL is generated here by design: identifiers are internal, literals go through lit().
# ruff: noqa: S608
"""Step 1 of a batch: merge its exposures into the directory and ``rollup_exposure`` (ADR 0018).

The batch's exposures are looked up in the writer's in-memory directory of exposed units, which
answers in time proportional to the batch's exposures. Units whose first exposure or variant
set changed form the *changed* set: their batch rows are appended to ``rollup_exposure``
(append-only; a unit's exposure is the aggregate of its rows) and they are left in temp table
``rollup_changed(experiment, unit_id, first_ts, variant, is_new, old_first_ts)`` for the
recompute; ``variant`` is NULL for a unit that now saw two variants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from civicloop.analytics.exposure_directory import (
    MULTI,
    ExperimentExposures,
    ExposureDirectories,
    Located,
)
from civicloop.analytics.metrics import EXPOSURE_EVENT
from civicloop.analytics.rollups.sql import lit

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TS = pa.timestamp("us", tz="UTC")
_CHANGED_SCHEMA = pa.schema(
    [
        ("experiment", pa.string()),
        ("unit_id", pa.string()),
        ("first_ts", _TS),
        ("variant", pa.string()),
        ("is_new", pa.bool_()),
        ("old_first_ts", _TS),
    ]
)


class Change(NamedTuple):
    """What the recompute of one experiment needs to know about its changed units."""

    low: datetime | None  # earliest first exposure of a single-variant unit to recompute
    high: datetime | None  # latest one
    old_low: datetime | None  # earliest former first exposure of a known unit that changed
    known: int  # how many known units changed


@dataclass
class _Diff:
    """One experiment's batch exposures against the directory, aligned arrays."""

    part: pa.Table  # the batch's rows of the experiment (experiment, unit_id, h, first_us, ...)
    keys: np.ndarray
    units: pa.Array
    where: Located
    known: np.ndarray
    old_first: np.ndarray
    old_variant: np.ndarray
    new_first: np.ndarray
    new_variant: np.ndarray
    change: np.ndarray


def _when(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


def exposures_merge(
    con: Any, batch: str, directories: ExposureDirectories, lap: Callable[[str], None]
) -> dict[str, Change]:
    """Merge the batch's exposures; the experiments whose units changed, with their
    :class:`Change`. Leaves the changed units in temp table ``rollup_changed``."""
    rows = _batch_exposures(con, batch)
    lap("exposure_read")
    appended: list[pa.Table] = []
    changed_parts: list[pa.Table] = []
    changed: dict[str, Change] = {}
    experiments = pc.unique(rows.column("experiment")).to_pylist() if rows.num_rows else []
    for experiment in experiments:
        directory = directories.get(con, experiment)
        diff = _diff(directory, rows.filter(pc.equal(rows.column("experiment"), experiment)))
        if not diff.change.any():
            continue
        appended.append(diff.part.filter(pa.array(diff.change)))
        changed_parts.append(_changed_rows(experiment, diff, directory.variants))
        changed[experiment] = _change(diff)
        _directory_update(directory, diff)
    _changed_stage(con, changed_parts)
    lap("exposure_diff")
    _exposures_append(con, appended)
    lap("exposure_merge")
    return changed


def _batch_exposures(con: Any, batch: str) -> pa.Table:
    """One row per (experiment, unit) exposed in the batch: hash, first exposure, variants."""
    return con.sql(
        "SELECT experiment, unit_id, hash(unit_id) AS h, epoch_us(MIN(ts)) AS first_us, "
        "MIN(variant) AS minv, MAX(variant) AS maxv "
        f"FROM {batch} WHERE name = {lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id"
    ).to_arrow_table()


def _diff(directory: ExperimentExposures, part: pa.Table) -> _Diff:
    """The new first exposure and variant of each of the batch's units, and which changed."""
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
    return _Diff(
        part, keys, units, where, known, old_first, old_variant, new_first, new_variant, change
    )


def _changed_rows(experiment: str, diff: _Diff, variant_names: list[str]) -> pa.Table:
    """The experiment's changed units as rows of ``rollup_changed``."""
    pick = np.nonzero(diff.change)[0]
    variants = pa.array(variant_names + [None], pa.string())
    codes = diff.new_variant[pick]
    known = diff.known[pick]
    return pa.table(
        {
            "experiment": pa.array([experiment] * len(pick), pa.string()),
            "unit_id": diff.units.take(pa.array(pick)).cast(pa.string()),
            "first_ts": pa.array(diff.new_first[pick], _TS),
            # MULTI picks the trailing None
            "variant": variants.take(pa.array(np.where(codes == MULTI, len(variants) - 1, codes))),
            "is_new": pa.array(~known),
            "old_first_ts": pa.array(diff.old_first[pick], _TS, mask=~known),
        },
        schema=_CHANGED_SCHEMA,
    )


def _change(diff: _Diff) -> Change:
    single = diff.change & (diff.new_variant != MULTI)
    known_changed = diff.change & diff.known
    return Change(
        _when(diff.new_first[single].min()) if single.any() else None,
        _when(diff.new_first[single].max()) if single.any() else None,
        _when(diff.old_first[known_changed].min()) if known_changed.any() else None,
        int(known_changed.sum()),
    )


def _directory_update(directory: ExperimentExposures, diff: _Diff) -> None:
    directory.set(diff.where, diff.change & diff.known, diff.new_first, diff.new_variant)
    fresh = ~diff.known
    directory.insert(
        diff.keys[fresh],
        diff.units.filter(pa.array(fresh)),
        diff.new_first[fresh],
        diff.new_variant[fresh].astype(np.int32),
    )


def _changed_stage(con: Any, parts: list[pa.Table]) -> None:
    staged = pa.concat_tables(parts) if parts else _CHANGED_SCHEMA.empty_table()
    con.register("rollup_changed_arrow", staged)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rollup_changed AS SELECT * FROM rollup_changed_arrow"
        )
    finally:
        con.unregister("rollup_changed_arrow")


def _exposures_append(con: Any, appended: list[pa.Table]) -> None:
    if not appended:
        return
    con.register("rollup_exposure_arrow", pa.concat_tables(appended))
    try:
        con.execute(
            "INSERT INTO rollup_exposure SELECT experiment, unit_id, "
            "make_timestamp(first_us)::TIMESTAMPTZ, minv, maxv FROM rollup_exposure_arrow"
        )
    finally:
        con.unregister("rollup_exposure_arrow")
