# SQL is generated here by design: identifiers are internal, literals go through lit().
# ruff: noqa: S608
"""The roll-up tables: their schema, the sources metrics ask for, and full (re)builds."""

from __future__ import annotations

from typing import Any

from civicloop.analytics.exposure_directory import ExposureDirectories
from civicloop.analytics.metrics import EXPOSURE_EVENT
from civicloop.analytics.rollups.sql import PARTS, lit, names, source_list, unit_rows

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


def schema_create(con: Any) -> None:
    con.execute(SCHEMA)


def experiment_id(con: Any, experiment: str, *, create: bool) -> int | None:
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


def _build_experiment(con: Any, experiment: str, events_view: str) -> None:
    exp_id = experiment_id(con, experiment, create=True)
    sources = source_list(con, experiment)
    table = f"rollup_exp_{exp_id}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    # Rows are stored in first-exposure order: a batch of recent events can only touch units
    # exposed shortly before (or after) them, and the zone maps on first_ts let the delta
    # join and the UPDATE skip every other row group (see batch.py). Unit ids are stored
    # uncompressed (see EVENTS_SCHEMA in store/__init__.py): every maintenance step joins on them.
    components = ", ".join(
        f"{part}{k} {'DOUBLE' if part.endswith('vs') else 'BIGINT'} NOT NULL"
        for k, _, _, _ in sources
        for part in PARTS  # the column order of offset_components
    )
    con.execute(
        f"CREATE TABLE {table} (unit_id VARCHAR NOT NULL USING COMPRESSION uncompressed, "
        f"variant VARCHAR NOT NULL, first_ts TIMESTAMPTZ NOT NULL, {components})"
    )
    con.execute(
        f"INSERT INTO {table} SELECT * FROM ("
        + unit_rows(
            "SELECT unit_id, MIN(min_variant) AS variant, MIN(first_ts) AS first_ts "
            f"FROM rollup_exposure WHERE experiment = {lit(experiment)} "
            "GROUP BY unit_id HAVING MIN(min_variant) = MAX(max_variant)",
            f"SELECT unit_id, name, ts, value FROM {events_view} WHERE name IN ({names(sources)})",
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
        return {(name, window, pre): k for k, name, window, pre in source_list(con, experiment)}

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
        f"MAX(variant) FROM {events_view} WHERE name = {lit(EXPOSURE_EVENT)} "
        "AND experiment IS NOT NULL AND variant IS NOT NULL GROUP BY experiment, unit_id"
    )
    for (experiment,) in con.execute("SELECT DISTINCT experiment FROM rollup_sources").fetchall():
        _build_experiment(con, experiment, events_view)
