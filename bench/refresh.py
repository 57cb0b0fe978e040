"""Incremental refresh after +N events, step by step, on a cached history (issue 17, item 4).

    .venv/bin/python bench/refresh.py                                   # 10M events / 1M units
    .venv/bin/python bench/refresh.py --events 100000000 --units 10000000 --check

The history of ``bench/analytics.py`` (``history_sql``) is built once into ``--cache`` (default
``$TMPDIR/civicloop-refresh-<events>-<units>``; ``--rebuild`` forces it) and copied for each run,
so the heavy load is paid once. Each run: a warm-up flush of 1,000 events (the writer builds its
in-memory directory of exposed units, as it does once after opening a store), then +N events
(``new_events``: outcomes, brand-new units, late first exposures) accepted and flushed in one
writer batch. Printed per roll-up step: wall seconds and CPU seconds of the whole process (all
DuckDB threads, ``getrusage``), then the statistics read, the load average before and after,
and with ``--check`` the largest relative difference from the reference SQL.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analytics as history  # noqa: E402 - bench/ is not a package

from civicloop.analytics.engine import (  # noqa: E402
    EventStore,
    straightforward_statistics,
    variant_statistics,
)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--new-events", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--check", action="store_true", help="compare with the reference SQL")
    args = parser.parse_args()
    tmp = Path(tempfile.gettempdir())
    base = args.cache or tmp / f"civicloop-refresh-{args.events}-{args.units}"
    if args.rebuild or not (base / "events.duckdb").exists():
        shutil.rmtree(base, ignore_errors=True)
        store = EventStore(base)
        variant_statistics(store, "bench", history.METRICS)  # register the metrics' roll-ups
        wall, used = time.perf_counter(), cpu()
        store.bulk_load_trusted(history.history_sql(args.events, args.units))
        store._connection().execute("CHECKPOINT")
        store.close()
        print(f"history built in {time.perf_counter() - wall:.1f} s ({cpu() - used:.1f} s CPU)")
    work = base.with_name(base.name + "-run")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, work)
    store = EventStore(work, max_backlog=args.new_events + 10_000)
    try:
        store.accept(history.new_events(1000, args.units, seed=99))
        wall, used = time.perf_counter(), cpu()
        store.flush()
        print(
            f"warm-up flush of 1,000 events (directory built): "
            f"{time.perf_counter() - wall:.2f} s wall, {cpu() - used:.2f} s CPU"
        )
        events = history.new_events(args.new_events, args.units, seed=1)
        for i in range(0, len(events), 1000):
            store.accept(events[i : i + 1000])
        print(f"load average before: {os.getloadavg()}")
        timings: dict[str, float] = {}

        def note() -> None:
            for key, value in store.last_flush_timings.items():
                timings[key] = timings.get(key, 0.0) + value

        store.flush(max_events=args.new_events, _after_commit=note)
        steps = [k for k in timings if k.startswith("rollups.") and not k.endswith("_cpu_s")]
        for key in steps:
            print(
                f"  {key[8:-2]:18s} {timings[key]:7.3f} s wall "
                f"{timings.get(key[:-2] + '_cpu_s', 0.0):7.3f} s CPU"
            )
        wall, used = time.perf_counter(), cpu()
        fast = variant_statistics(store, "bench", history.METRICS)
        read_s, read_cpu = time.perf_counter() - wall, cpu() - used
        print(f"  {'statistics read':18s} {read_s:7.3f} s wall {read_cpu:7.3f} s CPU")
        rollup_cpu = sum(timings.get(k[:-2] + "_cpu_s", 0.0) for k in steps)
        print(
            f"incremental refresh after {args.new_events:,} events at {args.events:,} events / "
            f"{args.units:,} units: {timings['rollups_s'] + read_s:.3f} s wall, "
            f"{rollup_cpu + read_cpu:.3f} s CPU (roll-up update {timings['rollups_s']:.3f} s + "
            f"statistics read {read_s:.3f} s); DuckDB append {timings['append_s']:.3f} s, "
            f"commit {timings['commit_s']:.3f} s (not counted)"
        )
        print(f"load average after: {os.getloadavg()}")
        if args.check:
            slow = straightforward_statistics(store, "bench", history.METRICS)
            print(f"reference SQL: max rel diff {history.compare(fast, slow):.1e}")
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
