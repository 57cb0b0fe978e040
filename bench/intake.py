"""Event intake: the columnar path against the row-by-row path, in the same run (issue 13).

    .venv/bin/python bench/intake.py              # in process, then HTTP with 1 and 2 workers
    .venv/bin/python bench/intake.py --no-http    # in process only (seconds)
    .venv/bin/python bench/intake.py --duration 30 --senders 6 --workers 1,2

1. In process, no server: ``--batches`` bodies of ``--batch`` events (unique UUIDs, the body
   bench/load.py sends) through each path into its own event store in a temporary directory,
   the two paths alternating batch by batch. Per stage, the median milliseconds per batch:
   row-by-row = ``core.http.parse_json`` (with its depth walk), ``validation.event_clean`` per
   event, ``Outbox.append_batch``; columnar = ``columnar.batch_parse`` (parse and shape in one
   compiled pass), ``columnar.batch_clean``, ``Outbox.append_batch``. The stored columns of the
   two paths are compared on one batch (equal, or the benchmark fails).
2. Over HTTP: a fresh installation as bench/load.py makes it (SQLite, migrate, demo, a write API
   key), then for each of ``--workers``, gunicorn (``config/gunicorn.conf.py``: gthread, 4
   threads) serving the product (columnar) and, on a fresh copy of the same files, the same
   application forced onto the row-by-row path (``bench/intake_rowwise_wsgi.py``). ``--senders``
   threads post bodies back to back for ``--duration`` seconds (bodies made before the clock
   starts). Printed: events accepted per second (from the 202 answers), batch p50/p95, the
   server's CPU seconds (its process group, from /proc) and the client's, load average at the
   start and end of each run, and the columnar/row-by-row ratio per worker count. No task
   worker runs: the figure is intake into the durable outbox, which is what a 202 promises.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from load import (  # noqa: E402  (bench/load.py: installation, processes, the event body)
    Processes,
    base_environment,
    event_batch,
    fresh_copy,
    group_cpu_seconds,
    install,
    pct,
    run_env,
    wait_ready,
)

from civicloop.analytics.store import EventStore, _clean_each  # noqa: E402
from civicloop.analytics.store.columnar import batch_clean, batch_parse  # noqa: E402
from civicloop.core.http import parse_json  # noqa: E402


def in_process(batches: int, size: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    work = Path(tempfile.mkdtemp(prefix="civicloop-intake-"))
    stores = {p: EventStore(work / p, clock=lambda: now) for p in ("rowwise", "columnar")}
    times: dict[str, list[float]] = {}
    cpu = {"rowwise": 0.0, "columnar": 0.0}

    def timed(name: str, fn, *a, **kw):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        times.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    try:
        body = event_batch(size, rng, stamp)
        rows = batch_parse(body)
        assert rows is not None
        fast = batch_clean(rows, now=now)
        slow, rejected = _clean_each(parse_json(body), now)
        assert fast is not None
        assert slow is not None
        assert not rejected
        assert fast.keys == slow.keys, "the paths' ids differ"
        assert fast.columns.equals(slow.columns), "the paths' stored columns differ"
        for _ in range(batches):
            body = event_batch(size, rng, stamp)
            c1 = time.process_time()
            events = timed("rowwise parse + depth walk", parse_json, body)
            clean, _ = timed("rowwise validate (per event)", _clean_each, events, now)
            timed("rowwise outbox append", stores["rowwise"].outbox.append_batch, clean)
            c2 = time.process_time()
            body = event_batch(size, rng, stamp)
            c3 = time.process_time()
            rows = timed("columnar parse + shape check", batch_parse, body)
            batch = timed("columnar clean (columns)", batch_clean, rows, now=now)
            timed("columnar outbox append", stores["columnar"].outbox.append_batch, batch)
            c4 = time.process_time()
            cpu["rowwise"] += c2 - c1
            cpu["columnar"] += c4 - c3
    finally:
        for store in stores.values():
            store.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n1. in process: {batches} batches of {size} events per path, median ms per batch")
    medians = {name: statistics.median(v) * 1000 for name, v in times.items()}
    for name, value in medians.items():
        print(f"  {name:32} {value:7.2f} ms")
    out: dict[str, float] = {}
    for path in ("rowwise", "columnar"):
        total = sum(v for k, v in medians.items() if k.startswith(path))
        out[f"{path}_ms"] = total
        out[f"{path}_cpu_events_per_s"] = batches * size / cpu[path] if cpu[path] else 0.0
        print(
            f"  {path:9} total {total:6.2f} ms per batch = {size / total * 1000:9,.0f} events/s "
            f"wall; {out[f'{path}_cpu_events_per_s']:9,.0f} events per CPU second"
        )
    ratio = out["rowwise_ms"] / out["columnar_ms"]
    print(f"  columnar is {ratio:.1f}x the row-by-row path (median wall per batch)")
    return out


def post_for(
    base: str, key: str, bodies: list[bytes], deadline: float, out: list, totals: dict, lock
) -> None:
    http = urllib3.PoolManager(maxsize=1, retries=False, timeout=60)
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "X-Forwarded-Proto": "https",
    }
    for body in bodies:
        if time.monotonic() >= deadline:
            return
        t0 = time.perf_counter()
        try:
            answer = http.request("POST", base + "/api/v1/events", body=body, headers=headers)
            status = answer.status
        except (urllib3.exceptions.HTTPError, OSError):
            status = 0
        out.append((time.perf_counter() - t0, status))
        if status == 202:
            with lock:
                totals["accepted"] += json.loads(answer.data)["accepted"]


def http_run(
    inst, app: str, workers: int, port: int, work: Path, args, procs: Processes
) -> dict[str, float]:
    label = f"{app}-{workers}w"
    run_dir = fresh_copy(inst, work / label)
    env = run_env(inst.base_env, run_dir, inst.database_url)
    argv = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]
    if app == "rowwise":
        argv += ["--pythonpath", "bench", "intake_rowwise_wsgi:application"]
    else:
        argv += ["config.wsgi:application"]
    argv += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    argv += ["--access-logfile", "/dev/null"]
    log = run_dir / "server.log"
    server = procs.start(argv, env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server, log, 120)
        rng = random.Random(args.seed + port)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        per = int(args.duration * args.max_rate / args.senders / args.batch) + 1
        bodies = [
            [event_batch(args.batch, rng, stamp) for _ in range(per)] for _ in range(args.senders)
        ]
        samples: list[list] = [[] for _ in range(args.senders)]
        totals = {"accepted": 0}
        lock = threading.Lock()
        load0 = os.getloadavg()
        cpu0 = group_cpu_seconds(server.pid)
        client0 = time.process_time()
        t0 = time.monotonic()
        deadline = t0 + args.duration
        threads = [
            threading.Thread(
                target=post_for,
                args=(base, inst.api_key, bodies[i], deadline, samples[i], totals, lock),
            )
            for i in range(args.senders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - t0
        server_cpu = group_cpu_seconds(server.pid) - cpu0
        client_cpu = time.process_time() - client0
        load1 = os.getloadavg()
    finally:
        procs.stop(server)
    flat = [s for per_thread in samples for s in per_thread]
    lat = sorted(s[0] for s in flat)
    errors = sum(1 for s in flat if s[1] != 202)
    result = {
        "events_per_s": totals["accepted"] / wall,
        "batches": len(flat),
        "errors": errors,
        "p50_ms": pct(lat, 0.5) * 1000,
        "p95_ms": pct(lat, 0.95) * 1000,
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
        "wall_s": wall,
        "load_start": load0[0],
        "load_end": load1[0],
    }
    print(
        f"  {label:14} {result['events_per_s']:9,.0f} events/s  {len(flat):5} batches "
        f"({errors} not 202)  p50 {result['p50_ms']:6.0f} ms  p95 {result['p95_ms']:6.0f} ms  "
        f"server CPU {server_cpu:5.1f} s / {wall:4.1f} s wall  client CPU {client_cpu:4.1f} s  "
        f"load {load0[0]:.1f} -> {load1[0]:.1f}",
        flush=True,
    )
    return result


def over_http(args) -> dict[str, dict[str, float]]:
    procs = Processes()
    work = Path(tempfile.mkdtemp(prefix="civicloop-intake-http-"))
    results: dict[str, dict[str, float]] = {}
    try:
        print(f"\n2. over HTTP: {args.senders} senders x {args.batch} events, {args.duration:g} s")
        inst = install("sqlite", work, "", base_environment())
        port = args.port
        for workers in [int(n) for n in args.workers.split(",") if n.strip()]:
            for app in ("rowwise", "columnar"):
                results[f"{app}-{workers}w"] = http_run(inst, app, workers, port, work, args, procs)
                port += 1
            ratio = results[f"columnar-{workers}w"]["events_per_s"] / max(
                results[f"rowwise-{workers}w"]["events_per_s"], 1e-9
            )
            print(f"  {workers} worker(s): columnar/row-by-row = {ratio:.2f}x")
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=1000, help="events per batch [1000]")
    parser.add_argument("--batches", type=int, default=200, help="in-process batches [200]")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument("--workers", default="1,2", help="gunicorn worker counts [1,2]")
    parser.add_argument("--senders", type=int, default=4, help="client threads [4]")
    parser.add_argument("--duration", type=float, default=20, help="seconds per server [20]")
    parser.add_argument(
        "--max-rate", type=float, default=60_000, help="events/s the bodies made suffice for"
    )
    parser.add_argument("--port", type=int, default=8170, help="first port [8170]")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(f"intake.py: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    figures: dict = {"in_process": in_process(args.batches, args.batch, args.seed)}
    if not args.no_http:
        figures["http"] = over_http(args)
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
