"""Page and API latency at a unit's realistic volume, under the production server (issue 17).

    .venv/bin/python bench/web.py                       # --scale 0.1 (make bench), ~5 min
    .venv/bin/python bench/web.py --scale 1             # 5,000 problems, 50,000 responses, ...
    .venv/bin/python bench/web.py --database-url postgres://postgres@127.0.0.1:5432/cl_bench

1. Installs a fresh CivicLoop (``bench/load.py``'s installer: migrate, demo, collectstatic, an
   API key), then seeds years of a unit's work through the services (``bench/web_seed.py``:
   at ``--scale 1`` 5,000 problems, 50,000 responses, 500 challenges, 200 vendors, 100
   experiments × 20 metrics × a year of snapshots, and the audit events all of that writes).
2. Counts the SQL queries of every page and API list once, in a separate process with Django's
   test client (``CaptureQueriesContext``), signed in as the role that sees the page.
3. Starts gunicorn (``--workers`` processes, production settings) and, one role at a time,
   requests every list page, a detail page found on it, and every API list ``--requests`` times
   in sequence (a single client: latency, not throughput), after one warm-up request each.
4. Prints per page p50 / p95 / p99 in ms, the page weight in KB and the query count, flags
   each page over the targets (p95 >= 100 ms, weight >= 300 KB), and, as the baseline measured
   in the same run, the same figures for ``/healthz`` (the cheapest request the server answers).
   Load average at start and end and the server's CPU seconds are printed beside wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: installer, processes, client)

ROOT = load.ROOT
TARGET_P95 = 0.100
TARGET_KB = 300

# (role, page name, list path or "@" and an earlier page's name, pattern of a detail link on
# that page or None for the page itself).
PAGES: list[tuple[str | None, str, str, str | None]] = [
    ("staff", "portfolio list", "/portfolio/", None),
    ("staff", "problem detail", "/portfolio/", r'href="(/portfolio/\d+/)"'),
    ("staff", "KPI detail", "@problem detail", r'href="(/portfolio/kpis/\d+/)"'),
    ("staff", "market home", "/market/", None),
    ("staff", "challenge detail", "/market/", r'href="(/market/challenges/\d+/)"'),
    ("staff", "needs", "/market/needs/", None),
    ("staff", "vendors", "/market/vendors/", None),
    ("staff", "market metrics", "/market/metrics/", None),
    ("staff", "experiments list", "/experiments/", None),
    ("staff", "experiment results", "/experiments/", r'href="(/experiments/\d+/)"'),
    ("staff", "analytics home", "/analytics/", None),
    ("staff", "feedback home", "/feedback/", None),
    ("staff", "survey detail", "/feedback/", r'href="(/feedback/\d+/)"'),
    ("staff", "evidence home", "/evidence/", None),
    ("staff", "evidence report", "/evidence/", r'href="(/evidence/problems/\d+/)"'),
    ("staff", "scaling home", "/scaling/", None),
    ("staff", "obstacles", "/scaling/obstacles/", None),
    ("staff", "lessons", "/scaling/lessons/", None),
    ("staff", "people", "/people/", None),
    ("staff", "audit log", "/audit/", None),
    ("staff", "audit log (oldest page)", "/audit/?oldest=1", None),
    ("staff", "survey themes", "@survey detail", r'href="(/feedback/\d+/themes/)"'),
    ("staff", "participation queue", "/participate/staff/", None),
    ("official", "portfolio (official)", "/portfolio/", None),
    ("auditor", "audit log (auditor)", "/audit/", None),
    ("evaluator", "market home (evaluator)", "/market/", None),
    ("vendor", "vendor profile", "/market/vendor/", None),
    (None, "sandbox registry (public)", "/scaling/registry/", None),
    (None, "public challenges", "/public/challenges/", None),
    (None, "public problems", "/public/problems/", None),
]
API_LISTS = [
    "/api/v1/problems", "/api/v1/kpis", "/api/v1/metrics", "/api/v1/market/challenges",
    "/api/v1/market/needs", "/api/v1/market/vendors", "/api/v1/market/public/challenges",
    "/api/v1/experiments", "/api/v1/services", "/api/v1/surveys", "/api/v1/evidence/effects",
    "/api/v1/scaling/obstacles", "/api/v1/scaling/plans", "/api/v1/scaling/lessons",
    "/api/v1/scaling/replications",
]  # fmt: skip

QUERY_COUNTER = r"""
import json, re, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from civicloop.core.models import Person
pages, api_key = json.loads(sys.argv[1]), sys.argv[2]
out = {}
for name, role_email, path in pages:
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    headers = {}
    if role_email == "api":
        headers = {"HTTP_AUTHORIZATION": "Bearer " + api_key}
    elif role_email:
        client.force_login(Person.objects.get(email=role_email))
    client.get(path, secure=True, **headers)
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(path, secure=True, **headers)
    out[name] = [answer.status_code, len(ctx.captured_queries)]
json.dump(out, sys.stdout)
"""


def seed(env: dict[str, str], scale: float) -> None:
    started = time.monotonic()
    out = load.run_checked(
        [sys.executable, "bench/web_seed.py", "--scale", str(scale)], env, "seeding"
    )
    print(out.rstrip())
    print(f"  seeding took {time.monotonic() - started:.0f} s", flush=True)


def discover(base: str, timeout: float) -> tuple[list[tuple[str, str, str]], dict]:  # type: ignore[type-arg]
    """(name, role, path) of every page to measure, and one signed-in client per role."""
    clients: dict[str | None, load.Client] = {}
    found: list[tuple[str, str, str]] = []
    for i, (role, name, path, pattern) in enumerate(PAGES):
        if role not in clients:
            client = load.Client(base, timeout, load.address(2, i))
            if role is not None:
                client.sign_in(f"{role}@{load.DOMAIN}")
            clients[role] = client
        if path.startswith("@"):  # a link on a page found earlier
            path = next((p for n, _, p in found if n == path[1:]), "")
        if pattern is None:
            found.append((name, role or "", path))
            continue
        status, page, _ = clients[role].request("GET", path)
        match = re.search(pattern.encode(), page) if status == 200 else None
        if match is None:
            print(f"  skipped {name}: no link matching {pattern} on {path} ({status})")
            continue
        found.append((name, role or "", match.group(1).decode()))
    return found, clients


def measure(
    client: load.Client, path: str, n: int, headers: dict[str, str] | None = None
) -> tuple[list[float], int, int]:
    """Latencies of ``n`` sequential requests after one warm-up, the weight and last status."""
    status, body, _ = client.request("GET", path, headers=headers)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        status, body, _ = client.request("GET", path, headers=headers)
        times.append(time.perf_counter() - started)
    return sorted(times), len(body), status


def count_queries(env: dict[str, str], pages: list[tuple[str, str, str]], key: str) -> dict:  # type: ignore[type-arg]
    spec = [(name, f"{role}@{load.DOMAIN}" if role and role != "api" else role, path)
            for name, role, path in pages]  # fmt: skip
    out = load.run_checked(
        [sys.executable, "-c", QUERY_COUNTER, json.dumps(spec), key], env, "query count"
    )
    return json.loads(out.strip().splitlines()[-1])


def _queries(counted: dict, name: str) -> str:  # type: ignore[type-arg]
    """The query count, or the status the counting client got when it was not a 200."""
    status, count = counted.get(name, (0, 0))
    return str(count) if status == 200 else f"({status})"


def report(rows: list[tuple], baseline: list[float]) -> list[str]:  # type: ignore[type-arg]
    base_p50 = load.pct(baseline, 0.5)
    print(f"\n  {'page':<28}{'status':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'KB':>8}{'queries':>9}{'p50/healthz':>13}")  # fmt: skip
    tail = f"{load.ms(load.pct(baseline, 0.95)):>9}{load.ms(load.pct(baseline, 0.99)):>9}"
    print(f"  {'/healthz (baseline)':<28}{200:>7}{load.ms(base_p50):>9}{tail}")
    missed = []
    for name, status, times, size, queries in rows:
        p95 = load.pct(times, 0.95)
        flags = []
        if p95 >= TARGET_P95:
            flags.append("p95")
        if size / 1024 >= TARGET_KB:
            flags.append("weight")
        if flags or not 200 <= status < 300:
            missed.append(f"{name} ({', '.join(flags) or f'status {status}'})")
        print(f"  {name:<28}{status:>7}{load.ms(load.pct(times, 0.5)):>9}{load.ms(p95):>9}"
              f"{load.ms(load.pct(times, 0.99)):>9}{size / 1024:>8.0f}{queries:>9}"
              f"{load.pct(times, 0.5) / base_p50:>12.1f}x  {' '.join(flags)}")  # fmt: skip
    return missed


def run(args: argparse.Namespace, work: Path, procs: load.Processes) -> None:
    base_env = load.base_environment()
    database_url = load.postgres_create(args.database_url) if args.database_url else ""
    try:
        label = "postgresql" if database_url else "sqlite"
        inst = load.install(label, work, database_url, base_env)
        env = load.run_env(base_env, inst.snapshot, database_url)
        seed(env, args.scale)
        base = f"http://127.0.0.1:{args.port}"
        log = inst.snapshot / "server.log"
        server = load.server_argv(f"gunicorn-{args.workers}", args.port, inst.snapshot)
        proc = procs.start(server, env, log)
        load.wait_ready(base, proc, log, args.start_timeout)
        pages, clients = discover(base, args.timeout)
        api_pages = [(path.removeprefix("/api/v1"), "api", path) for path in API_LISTS]
        queries = count_queries(env, pages + api_pages, inst.api_key)
        load_start, cpu0, wall0 = os.getloadavg(), load.group_cpu_seconds(proc.pid), time.time()
        baseline, _, _ = measure(clients[None], "/healthz", args.requests)
        rows = []
        for name, role, path in pages:
            times, size, status = measure(clients[role or None], path, args.requests)
            rows.append((name, status, times, size, _queries(queries, name)))
        bearer = {"Authorization": f"Bearer {inst.api_key}"}
        for name, _, path in api_pages:
            times, size, status = measure(clients[None], path, args.requests, headers=bearer)
            rows.append((f"API {name}", status, times, size, _queries(queries, name)))
        wall, cpu = time.time() - wall0, load.group_cpu_seconds(proc.pid) - cpu0
        loads = f"load average {load_start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end"
        print(f"\n{label}, scale {args.scale}, gunicorn {args.workers} workers, "
              f"{args.requests} requests per page: {wall:.0f} s wall, server CPU {cpu:.0f} s, "
              f"{loads}")  # fmt: skip
        missed = report(rows, baseline)
        print(f"\n  over target (p95 < {TARGET_P95 * 1000:.0f} ms, weight < {TARGET_KB} KB): "
              + ("; ".join(missed) if missed else "none"))  # fmt: skip
    finally:
        procs.stop_all()
        if database_url:
            load.postgres_drop(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = the full sizes")
    parser.add_argument("--requests", type=int, default=20, help="per page, after a warm-up")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to use")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--start-timeout", type=float, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="civicloop-web-"))
    procs = load.Processes()
    try:
        run(args, work, procs)
    finally:
        procs.stop_all()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
