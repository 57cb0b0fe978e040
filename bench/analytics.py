"""Benchmark of the analytics engine (issue 4). Prints its figures; asserts nothing but equality.

    .venv/bin/python bench/analytics.py                      # 100M events over 10M units
    .venv/bin/python bench/analytics.py --events 10000000 --units 1000000
    .venv/bin/python bench/refresh.py          # the incremental refresh alone, step by step

Steps, each timed:
1. history: N events over U units generated inside DuckDB (time-ordered, 80% of units exposed
   to experiment "bench"), bulk-loaded and rolled up (``bulk_load_trusted``);
2. full analysis of 4 metrics: reference SQL (join exposures to events, per-unit roll-up,
   per-variant moments) versus the roll-up path, results compared;
3. ingestion: --new-events events (default 1M) sent through ``accept`` in batches of 1,000
   (validation + durable outbox), then drained by the writer (``flush``: DuckDB append and
   incremental roll-up maintenance);
4. incremental refresh: roll-up maintenance time spent by the writer for those events, plus
   the statistics read afterwards; the reference SQL is rerun and compared;
5. intake through the API (``--api-events``, default 200,000; 0 skips it): the same kind of
   batches posted as JSON bodies to ``POST /api/v1/events`` through Django's full request
   handler (middleware, API-key authentication, JSON parsing, validation, durable outbox) in
   ``--intake-processes`` processes, against a fresh SQLite database in the work directory.
   Django's test client calls the WSGI handler in process, so socket and HTTP parsing by a
   production server are not included.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from civicloop.analytics.engine import (
    EventStore,
    MetricDefinition,
    straightforward_statistics,
    variant_statistics,
)

DAY_US = 86_400_000_000
BASE = "2026-01-01 00:00:00+00"
SPAN_DAYS = 30

METRICS = [
    MetricDefinition(key="visits_3d", aggregation="count", event_name="visit", window_hours=72),
    MetricDefinition(key="spend_7d", aggregation="sum", event_name="pay", window_hours=168),
    MetricDefinition(key="paid_2d", aggregation="any", event_name="pay", window_hours=48),
    MetricDefinition(
        key="spend_per_visit",
        aggregation="ratio",
        numerator=MetricDefinition(key="s", aggregation="sum", event_name="pay", window_hours=168),
        denominator=MetricDefinition(
            key="v", aggregation="count", event_name="visit", window_hours=72
        ),
    ),
]


def history_sql(events: int, units: int) -> str:
    exposed = "hash(i, 3) % 10 < 8"
    n_exposures = f"(SELECT COUNT(*) FROM range({units}) t(i) WHERE {exposed})"
    return f"""
    SELECT gen_random_uuid() AS event_id, 'u' || i AS unit_id, '$exposure' AS name,
           TIMESTAMPTZ '{BASE}' + to_microseconds(
               (hash(i, 1) % ({SPAN_DAYS - 8} * {DAY_US}))::BIGINT + 7 * {DAY_US}) AS ts,
           NULL::DOUBLE AS value, 'bench' AS experiment,
           CASE WHEN hash(i, 2) % 2 = 0 THEN 'control' ELSE 'treatment' END AS variant,
           NULL AS properties
    FROM range({units}) t(i) WHERE {exposed}
    UNION ALL
    SELECT gen_random_uuid(), 'u' || (hash(i, 4) % {units}),
           CASE WHEN hash(i, 5) % 10 < 6 THEN 'visit' ELSE 'pay' END,
           TIMESTAMPTZ '{BASE}' + to_microseconds(
               (i * ({SPAN_DAYS} * {DAY_US} / {events}))::BIGINT
               + (hash(i, 6) % 3600000000)::BIGINT),
           CASE WHEN hash(i, 5) % 10 >= 6 THEN (hash(i, 7) % 10000) / 100.0 END,
           NULL, NULL, NULL
    FROM range({events} - {n_exposures}) t(i)
    """


def new_events(count: int, units: int, seed: int = 1) -> list[dict]:
    """Events arriving after the history: outcomes, brand-new units, late first exposures."""
    rng = np.random.default_rng(seed)
    end_us = np.datetime64("2026-01-01T00:00:00", "us") + np.timedelta64(SPAN_DAYS, "D")
    stamps = end_us + rng.integers(0, 3_600_000_000, count).astype("timedelta64[us]")
    iso = np.datetime_as_string(stamps, unit="us", timezone="UTC").tolist()
    kind = rng.random(count)
    unit_ids = rng.integers(0, units, count)
    events = []
    for i in range(count):
        event = {"event_id": str(uuid.UUID(bytes=os.urandom(16), version=4)), "timestamp": iso[i]}
        if kind[i] < 0.05:  # a brand-new unit's first exposure
            event.update(unit_id=f"new{seed}-{i}", name="$exposure")
            event["properties"] = {
                "experiment": "bench",
                "variant": ("control", "treatment")[i % 2],
            }
        elif kind[i] < 0.07:  # an existing unit exposed for the first time (has history)
            event.update(unit_id=f"u{unit_ids[i]}", name="$exposure")
            event["properties"] = {
                "experiment": "bench",
                "variant": ("control", "treatment")[i % 2],
            }
        elif kind[i] < 0.6:
            event.update(unit_id=f"u{unit_ids[i]}", name="visit")
        else:
            event.update(unit_id=f"u{unit_ids[i]}", name="pay", value=float(i % 10000) / 100)
        events.append(event)
    return events


def intake_worker(path: str, count: int, units: int, seed: int, barrier, results) -> None:
    """One API worker process: validation + durable outbox, batches of 1,000."""
    events = new_events(count, units, seed)
    store = EventStore(path, max_backlog=10**12)
    barrier.wait()
    bodies = [
        (events[i : i + 1000], len(json.dumps(events[i : i + 1000]).encode()))
        for i in range(0, len(events), 1000)
    ]  # the API knows each request's size (Content-Length) without re-encoding
    started, cpu = time.time(), time.process_time()
    accepted = 0
    for batch, size in bodies:
        accepted += store.accept(batch, body_bytes=size).accepted
    results.put((accepted, started, time.time(), time.process_time() - cpu))
    store.close()


def run_parallel(label: str, target, args: list[tuple]) -> tuple[int, float]:
    """Start one spawned process per ``args`` entry running ``target(*entry, barrier, results)``;
    each puts (accepted, started, ended, CPU seconds). Return (accepted, wall seconds from the
    first start to the last end) and record the CPU seconds in ``CPU[label]``."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args))
    results = ctx.Queue()
    workers = [ctx.Process(target=target, args=(*entry, barrier, results)) for entry in args]
    for worker in workers:
        worker.start()
    out = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    CPU[label] = sum(r[3] for r in out)
    return sum(r[0] for r in out), max(r[2] for r in out) - min(r[1] for r in out)


def ingest(path: Path, count: int, units: int, processes: int) -> tuple[int, float]:
    """Run ``processes`` intake processes in parallel; return (accepted, wall seconds)."""
    share = count // processes
    return run_parallel(
        "accept", intake_worker, [(str(path), share, units, 1 + i) for i in range(processes)]
    )


def api_worker(var_dir: str, key: str, count: int, units: int, seed: int, barrier, results):
    """One API process: POST JSON batches of 1,000 through Django's request handler."""
    os.environ["CIVICLOOP_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    bodies = [
        json.dumps(chunk).encode() for chunk in iter_batches(new_events(count, units, seed), 1000)
    ]  # what a service's HTTP client would send
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client.post("/api/v1/events", data=b"[]", content_type="application/json", **auth)  # warm
    barrier.wait()
    started, cpu = time.time(), time.process_time()
    accepted = 0
    for body in bodies:
        response = client.post("/api/v1/events", data=body, content_type="application/json", **auth)
        assert response.status_code == 202, (response.status_code, response.content[:300])
        accepted += response.json()["accepted"]
    results.put((accepted, started, time.time(), time.process_time() - cpu))


def iter_batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def api_intake(workdir: Path, count: int, units: int, processes: int) -> tuple[int, float]:
    """Migrate a fresh SQLite database, mint a write key for a unit, run the API workers."""
    import subprocess
    import sys

    var_dir = workdir / "api"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CIVICLOOP_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    root = Path(__file__).resolve().parent.parent
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(root / "manage.py"), "migrate", "-v0"], env=env, check=True
    )
    setup = (
        "import django; django.setup()\n"
        "from civicloop.core.models import Organization, OrganizationKind\n"
        "from civicloop.core.services import apikey_create\n"
        "unit = Organization.objects.create(name='Bench unit', slug='bench-unit', "
        "kind=OrganizationKind.UNIT)\n"
        "print(apikey_create(actor=None, organization=unit, name='bench', scope='write').secret)"
    )
    key = (
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", setup],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=root,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    share = count // processes
    return run_parallel(
        "api", api_worker, [(str(var_dir), key, share, units, 100 + i) for i in range(processes)]
    )


def compare(fast: dict, slow: dict) -> float:
    """Largest relative difference between the two result sets (0.0 when identical)."""
    worst = 0.0
    assert fast.keys() == slow.keys(), (fast.keys(), slow.keys())
    for variant, metrics in slow.items():
        for key, ref in metrics.items():
            got = fast[variant][key]
            assert got.n == ref.n, (variant, key, got.n, ref.n)
            for name in list(ref.__dataclass_fields__)[2:]:
                a, b = getattr(got, name), getattr(ref, name)
                worst = max(worst, abs(a - b) / max(1.0, abs(b)))
    return worst


CPU: dict[str, float] = {}


def timed(fn, *args, **kwargs):
    """Run fn; return (result, wall seconds) and record its CPU seconds (all threads) in CPU."""
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    CPU[getattr(fn, "__name__", "?")] = time.process_time() - cpu
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000_000)
    parser.add_argument("--units", type=int, default=10_000_000)
    parser.add_argument("--new-events", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--intake-processes", type=int, default=2, help="parallel API workers calling accept"
    )
    parser.add_argument(
        "--api-events", type=int, default=200_000, help="events posted through the API (0: skip)"
    )
    args = parser.parse_args()

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="civicloop-bench-"))
    shutil.rmtree(workdir, ignore_errors=True)
    store = EventStore(workdir, max_backlog=args.new_events + 10_000, duckdb_threads=args.threads)
    con = store._connection()
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    print(f"store: {workdir}; DuckDB threads: {threads}; load average {os.getloadavg()}")

    variant_statistics(store, "bench", METRICS)  # register the metrics' roll-ups (empty store)
    loaded, load_s = timed(store.bulk_load_trusted, history_sql(args.events, args.units))
    print(
        f"history: {loaded:,} events over {args.units:,} units loaded + rolled up in {load_s:.1f} s"
    )

    slow, slow_s = timed(straightforward_statistics, store, "bench", METRICS)
    fast, fast_s = timed(variant_statistics, store, "bench", METRICS)
    fast, fast_s2 = timed(variant_statistics, store, "bench", METRICS)
    diff = compare(fast, slow)
    slow_cpu = CPU["straightforward_statistics"]
    fast_cpu = CPU["variant_statistics"]
    print(
        f"full analysis, reference SQL : {slow_s:8.3f} s wall, {slow_cpu:7.3f} s CPU "
        f"({len(METRICS)} metrics)"
    )
    print(
        f"full analysis, roll-ups      : {min(fast_s, fast_s2):8.3f} s wall, {fast_cpu:7.3f} s CPU "
        f"(max rel diff {diff:.1e})"
    )
    print(f"speed-up                     : {slow_s / min(fast_s, fast_s2):8.1f} x")

    # The writer builds its in-memory directory of exposed units (ADR 0018) on its first flush
    # after opening a store; a running writer has it, so it is built before the timed batch.
    store.accept(new_events(1000, args.units, seed=99))
    (_, warm_s) = timed(store.flush)
    print(
        f"warm-up flush of 1,000 events (directory built): {warm_s:.2f} s, {CPU['flush']:.2f} s CPU"
    )
    accepted, accept_s = ingest(workdir, args.new_events, args.units, args.intake_processes)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def note() -> None:
        for key, value in store.last_flush_timings.items():
            timings[key] = timings.get(key, 0.0) + value

    cpu = time.process_time()
    store.flush(max_events=args.new_events, _after_commit=note)
    flush_s = time.perf_counter() - started
    flush_cpu = time.process_time() - cpu
    print(
        f"ingestion: accept {accepted:,} events in {accept_s:.2f} s = "
        f"{accepted / accept_s:,.0f} events/s (validation + durable outbox, 1,000 per batch, "
        f"{args.intake_processes} intake processes; {CPU['accept'] / accepted * 1e6:.1f} "
        f"CPU-us per event)"
    )
    print(
        f"writer: flush {accepted:,} events in {flush_s:.2f} s = {accepted / flush_s:,.0f} "
        f"events/s, {flush_cpu:.2f} s CPU (outbox read {timings.get('read_outbox_s', 0):.2f} s, "
        f"DuckDB append "
        f"{timings.get('append_s', 0):.2f} s, roll-up update {timings.get('rollups_s', 0):.2f} s, "
        f"commit {timings.get('commit_s', 0):.2f} s)"
    )
    print(f"end-to-end ingestion: {accepted / (accept_s + flush_s):,.0f} events/s")
    print(
        "  roll-up steps: "
        + ", ".join(f"{k[8:-2]} {v:.2f} s" for k, v in timings.items() if k.startswith("rollups."))
    )
    fast, read_s = timed(variant_statistics, store, "bench", METRICS)
    print(f"  statistics read after the new events: {CPU['variant_statistics']:.3f} s CPU")
    refresh = timings.get("rollups_s", 0) + read_s
    refresh_cpu = sum(v for k, v in timings.items() if k.endswith("_cpu_s"))
    refresh_cpu += CPU["variant_statistics"]
    print(f"  refresh CPU time (roll-up steps + statistics read): {refresh_cpu:.3f} s")
    print(
        f"incremental refresh after {accepted:,} new events: {refresh:.3f} s "
        f"(roll-up update {timings.get('rollups_s', 0):.3f} s + statistics read {read_s:.3f} s)"
    )
    slow, slow_s = timed(straightforward_statistics, store, "bench", METRICS)
    print(
        f"reference SQL after the new events: {slow_s:.3f} s; "
        f"max rel diff {compare(fast, slow):.1e}"
    )
    store.close()
    if args.api_events:
        accepted, api_s = api_intake(workdir, args.api_events, args.units, args.intake_processes)
        print(
            f"intake through the API handler: {accepted:,} events in {api_s:.2f} s = "
            f"{accepted / api_s:,.0f} events/s (POST /api/v1/events, JSON batches of 1,000, "
            f"{args.intake_processes} processes; {CPU['api'] / accepted * 1e6:.1f} CPU-us per "
            "event)"
        )
    print(f"load average at the end: {os.getloadavg()}")
    if args.dir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
