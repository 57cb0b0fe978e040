# SQL is generated here by design: identifiers are internal, literals go through lit().
# ruff: noqa: S608
"""The SQL every roll-up step shares: literals, sources, and the per-unit component SELECT."""

from __future__ import annotations

from typing import Any

Source = tuple[int, str, int | None, int]  # id, event name, window hours, pre-window hours

# The six additive components per source, in the column order of every roll-up table: events,
# non-null values and their sum in the metric window, then the same in the pre-exposure window.
PARTS = ("c", "vc", "vs", "pc", "pvc", "pvs")
HOUR_US = 3_600_000_000


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ts_lit(value: Any) -> str:
    return f"TIMESTAMPTZ '{value.isoformat()}'"


def names(sources: list[Source]) -> str:
    """The sources' distinct event names as an SQL list (for ``name IN (...)``)."""
    return ", ".join(sorted({lit(name) for _, name, _, _ in sources}))


def component_columns(sources: list[Source]) -> list[str]:
    return [f"{part}{k}" for k, _, _, _ in sources for part in PARTS]


def longest_windows(sources: list[Source]) -> tuple[int, int | None]:
    """The longest pre-window, and the longest window (None when some source has none)."""
    longest_pre = max(pre for _, _, _, pre in sources)
    windows = [window for _, _, window, _ in sources if window is not None]
    return longest_pre, max(windows) if len(windows) == len(sources) else None


def source_list(con: Any, experiment: str) -> list[Source]:
    return [
        (int(r[0]), r[1], r[2], int(r[3]))
        for r in con.execute(
            "SELECT id, event_name, window_hours, pre_window_hours FROM rollup_sources "
            "WHERE experiment = ? ORDER BY id",
            [experiment],
        ).fetchall()
    ]


def offset_components(sources: list[Source]) -> str:
    """The components (in ``PARTS`` order per source) aggregated over rows with ``e.name`` and
    ``e.off`` = event time - first exposure in µs.

    Integer microsecond offsets compare exactly like the TIMESTAMPTZ/INTERVAL conditions.
    """
    parts = []
    for k, name, window, pre in sources:
        main = f"e.name = {lit(name)} AND e.off >= 0"
        if window is not None:
            main += f" AND e.off < {int(window) * HOUR_US}"
        before = f"e.name = {lit(name)} AND e.off < 0 AND e.off >= {-int(pre) * HOUR_US}"
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


def unit_rows(units_sql: str, events_sql: str, sources: list[Source]) -> str:
    """SELECT of one roll-up row per unit of ``units_sql`` (unit_id, variant, first_ts) from
    the events of ``events_sql`` (unit_id, name, ts, value); units without events get zeros.

    Events outside every window and pre-window are dropped in the join condition.
    """
    longest_pre, longest_window = longest_windows(sources)
    near = f"ev.ts >= x.first_ts - INTERVAL {int(longest_pre)} HOUR"
    if longest_window is not None:  # every source has a window: drop later events too
        near += f" AND ev.ts < x.first_ts + INTERVAL {int(longest_window)} HOUR"
    return (
        f"SELECT e.unit_id, e.variant, e.first_ts, {offset_components(sources)} FROM ("
        "SELECT x.unit_id, x.variant, x.first_ts, ev.name, ev.value, "
        "epoch_us(ev.ts) - epoch_us(x.first_ts) AS off "
        f"FROM ({units_sql}) x LEFT JOIN ({events_sql}) ev "
        f"ON ev.unit_id = x.unit_id AND {near}) e "
        "GROUP BY e.unit_id, e.variant, e.first_ts"
    )
