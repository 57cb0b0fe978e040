"""Load test of the real server (issue 13): signed-in people browsing plus event batches.

    .venv/bin/python bench/load.py                               # 2 min per server, 50 users
    .venv/bin/python bench/load.py --duration 15 --users 10      # CI-size smoke
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/cl_bench

What it does, all on this machine:

1. creates a fresh installation in a temporary directory: SQLite (and, with --database-url, a
   fresh PostgreSQL database named ``<name>_load_<pid>`` on that server, dropped at the end),
   ``migrate``, ``demo``, ``collectstatic`` and a write API key of the demo unit
   (``apikey create --org villanueva-dtu --scope write``);
2. for each server (Django's development server ``runserver --noreload``, then gunicorn with
   each of ``--workers``), on a fresh copy of that installation's files: starts it with the
   production settings (DEBUG off, secrets from the environment, Secure cookies; requests
   carry ``X-Forwarded-Proto: https`` as behind a TLS proxy) and a task worker beside it
   (``--no-worker`` leaves it out), signs ``--users`` people in through /accounts/login/ with
   CSRF (half unit staff, the rest the other demo roles; MFA is switched off for the run with
   CIVICLOOP_MFA_REQUIRED_ROLES=""), then for ``--duration`` seconds has them browse list and
   detail pages (found on the list pages each role sees) with ``--think`` seconds between pages
   on average, while ``--event-senders`` threads post batches of ``--batch`` events (unique
   UUIDs) to POST /api/v1/events with the API key, back to back;
3. prints per server and page type the count and p50/p95/p99, the error rate (any answer
   other than 2xx/3xx, or a connection error; 429 from backpressure is counted and shown
   apart), events accepted per second over HTTP, CPU seconds of the server's and the worker's
   processes (from /proc) beside wall time, the machine load at start and end, and the ratio
   of each gunicorn run against the development server.

Everything it starts runs in its own process group and is stopped (SIGTERM, then SIGKILL after
10 s) and the temporary directory removed, also on Ctrl-C or SIGTERM (``--keep`` keeps the
directory). The client runs in this process (threads, urllib3); its CPU time is printed too,
because on a small machine it competes with the server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import urllib3

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "civicloop-demo-2026"  # noqa: S105 - the demo accounts' published password
DOMAIN = "demo.civicloop.test"
UNIT_SLUG = "villanueva-dtu"
# Unit staff first: every other user is staff or analyst, the rest cycle through other roles.
STAFF = ["staff", "analyst"]
OTHERS = ["evaluator", "official", "auditor", "vendor"]

# (page type, list page, pattern of detail links on it or None for the list page itself)
PAGES = [
    ("portfolio list", "/portfolio/", None),
    ("problem detail", "/portfolio/", r'href="(/portfolio/\d+/)"'),
    ("market home", "/market/", None),
    ("challenge detail", "/market/", r'href="(/market/challenges/\d+/)"'),
    ("experiments list", "/experiments/", None),
    ("experiment results", "/experiments/", r'href="(/experiments/\d+/)"'),
    ("feedback home", "/feedback/", None),
    ("survey detail", "/feedback/", r'href="(/feedback/\d+/)"'),
    ("evidence home", "/evidence/", None),
    ("evidence report", "/evidence/", r'href="(/evidence/problems/\d+/)"'),
    ("scaling home", "/scaling/", None),
]
EVENT_NAMES = ["application_started", "application_completed", "helpline_call", "payment"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Interrupted(Exception):
    """SIGTERM to the benchmark: unwind and clean up as on Ctrl-C."""


# -- processes ------------------------------------------------------------------------------


class Processes:
    """Every process the benchmark starts, each in its own group, stopped on the way out."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []
        self.stop_seconds: dict[int, float] = {}

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                argv,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
        """SIGTERM to the process group, SIGKILL to whatever is left after ``timeout``."""
        if proc not in self.running:
            return
        self.running.remove(proc)
        if proc.poll() is None:
            started = time.monotonic()
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(
                    f"  pid {proc.pid} still running {timeout:g} s after SIGTERM: SIGKILL",
                    flush=True,
                )
            else:
                self.stop_seconds[proc.pid] = time.monotonic() - started
        # Children (gunicorn's workers) may outlive their parent: kill the group in any case.
        _signal_group(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait()

    def stop_all(self) -> None:
        for proc in list(reversed(self.running)):
            self.stop(proc)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes in a group, and of their reaped
    children, from /proc."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is state (field 3): pgrp is field 5, utime..cstime fields 14..17.
        if int(fields[2]) != pgid:
            continue
        ticks += sum(int(f) for f in fields[11:15])
    return ticks / CLK_TCK


def run_checked(argv: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"load.py: {what} failed (exit {result.returncode})")
    return result.stdout


# -- installation ---------------------------------------------------------------------------


@dataclass
class Installation:
    label: str
    snapshot: Path  # the var dir after migrate + demo + collectstatic
    database_url: str  # "" for SQLite in the var dir
    api_key: str
    base_env: dict[str, str]


def base_environment() -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    for name in ("DEBUG", "DATABASE_URL", "CIVICLOOP_VAR_DIR"):
        env.pop(name, None)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CIVICLOOP_SEALING_KEYS": Fernet.generate_key().decode(),
            "CIVICLOOP_FIELD_KEYS": Fernet.generate_key().decode(),
            # The demo people sign in with a password alone during the benchmark.
            "CIVICLOOP_MFA_REQUIRED_ROLES": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_env(base: dict[str, str], var_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(base)
    env["CIVICLOOP_VAR_DIR"] = str(var_dir)
    env["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'civicloop.sqlite3'}"
    return env


def install(label: str, work: Path, database_url: str, base: dict[str, str]) -> Installation:
    snapshot = work / f"{label}-snapshot"
    snapshot.mkdir()
    env = run_env(base, snapshot, database_url)
    manage = [sys.executable, "manage.py"]
    started = time.monotonic()
    run_checked([*manage, "migrate", "-v0"], env, f"{label}: migrate")
    run_checked([*manage, "demo"], env, f"{label}: demo")
    run_checked([*manage, "collectstatic", "--noinput", "-v0"], env, f"{label}: collectstatic")
    out = run_checked(
        [*manage, "apikey", "create", "--org", UNIT_SLUG, "--scope", "write", "--name", "load"],
        env,
        f"{label}: apikey create",
    )
    key = out.strip().splitlines()[-1].strip()
    print(f"  {label}: installed in {time.monotonic() - started:.0f} s", flush=True)
    return Installation(label, snapshot, database_url, key, base)


def fresh_copy(inst: Installation, target: Path) -> Path:
    """A copy of the installation's files (SQLite database, event store); static files linked."""
    target.mkdir()
    for item in inst.snapshot.iterdir():
        if item.name == "staticfiles":
            (target / item.name).symlink_to(item, target_is_directory=True)
        elif item.is_dir():
            shutil.copytree(item, target / item.name, symlinks=True)
        else:
            shutil.copy2(item, target / item.name)
    return target


def postgres_create(url: str) -> str:
    """Create a fresh database beside the one the URL names; return its URL."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'civicloop'}_load_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:  # noqa: BLE001 - cleanup reports and carries on
        print(f"load.py: could not drop database {name}: {error}", file=sys.stderr)


# -- client ---------------------------------------------------------------------------------


class Client:
    """One person's browser: its own address, connection and cookies, as a TLS proxy would send."""

    def __init__(self, base: str, timeout: float, source: str) -> None:
        self.base = base
        self.origin = "https://" + base.split("://", 1)[1]
        # Each person connects from its own loopback address (all of 127/8 is local on Linux),
        # as people do from their own machines: the sign-in rate limit (30 a minute per
        # address) and the lockout rules apply per address.
        self.http = urllib3.PoolManager(
            maxsize=1,
            retries=False,
            timeout=urllib3.Timeout(total=timeout),
            source_address=(source, 0),
        )
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        fields: dict[str, str] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, urllib3.HTTPHeaderDict]:
        sent = {
            "X-Forwarded-Proto": "https",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        if fields is not None:
            response = self.http.request(
                method,
                self.base + path,
                fields=fields,
                encode_multipart=False,
                headers=sent,
                redirect=False,
            )
        else:
            response = self.http.request(
                method, self.base + path, body=body, headers=sent, redirect=False
            )
        for cookie in response.headers.getlist("Set-Cookie"):
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, response.data, response.headers

    def sign_in(self, email: str) -> None:
        status, page, _ = self.request("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or match is None:
            raise RuntimeError(f"sign-in page answered {status}")
        status, _, _ = self.request(
            "POST",
            "/accounts/login/",
            fields={
                "login": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1).decode(),
            },
        )
        if status != 302:
            raise RuntimeError(f"sign-in as {email} answered {status}, not a redirect")


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: connection error or timeout


@dataclass
class RunResult:
    server: str
    samples: list[Sample] = field(default_factory=list)
    sign_in: list[float] = field(default_factory=list)
    events_accepted: int = 0
    events_sent: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0
    worker_cpu: float = 0.0
    client_cpu: float = 0.0
    load_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    skipped: list[str] = field(default_factory=list)


def user_roles(n: int) -> list[str]:
    roles = []
    for i in range(n):
        roles.append(STAFF[(i // 2) % 2] if i % 2 == 0 else OTHERS[(i // 2) % len(OTHERS)])
    return roles


def address(group: int, i: int) -> str:
    """The loopback address of the i-th client of a group (1 people, 2 senders, 3 discovery)."""
    return f"127.{group}.{i // 250}.{i % 250 + 1}"


def discover(
    base: str, role: str, timeout: float, source: str
) -> tuple[dict[str, list[str]], list[str]]:
    """The pages of each type that this role can open: {page type: [paths]}, and what not."""
    client = Client(base, timeout, source)
    client.sign_in(f"{role}@{DOMAIN}")
    lists: dict[str, tuple[int, bytes, object]] = {}
    pages: dict[str, list[str]] = {}
    skipped = []
    for kind, list_path, pattern in PAGES:
        if list_path not in lists:
            lists[list_path] = client.request("GET", list_path)
        status, body, _ = lists[list_path]
        if status != 200:
            skipped.append(f"{role}: {kind} ({list_path} answers {status})")
            continue
        if pattern is None:
            pages[kind] = [list_path]
            continue
        found = sorted({m.decode() for m in re.findall(pattern.encode(), body)})
        ok = [p for p in found if client.request("GET", p)[0] == 200]
        if ok:
            pages[kind] = ok
        else:
            skipped.append(f"{role}: {kind} (no detail link on {list_path} opens)")
    return pages, skipped


def browse(
    client: Client,
    pages: dict[str, list[str]],
    deadline: float,
    think: float,
    out: list[Sample],
    rng: random.Random,
) -> None:
    kinds = sorted(pages)
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        path = rng.choice(pages[kind])
        started = time.perf_counter()
        try:
            status = client.request("GET", path)[0]
        except (urllib3.exceptions.HTTPError, OSError):
            status = 0
        out.append(Sample(kind, time.perf_counter() - started, status))
        if think > 0:
            pause = rng.uniform(0, 2 * think)
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def event_batch(size: int, rng: random.Random, now: str) -> bytes:
    raw = os.urandom(16 * size).hex()
    parts = []
    for i in range(size):
        h = raw[32 * i : 32 * i + 32]
        # Version 4, RFC 4122 variant: a UUID by any reading.
        uid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"
        parts.append(
            f'{{"event_id":"{uid}","unit_id":"u-{rng.randrange(1_000_000)}",'
            f'"name":"{EVENT_NAMES[i % len(EVENT_NAMES)]}","timestamp":"{now}",'
            f'"value":{rng.randrange(1000) / 10}}}'
        )
    return ("[" + ",".join(parts) + "]").encode()


def send_events(
    base: str,
    key: str,
    size: int,
    deadline: float,
    timeout: float,
    out: list[Sample],
    totals: dict[str, int],
    lock: threading.Lock,
    rng: random.Random,
    source: str,
) -> None:
    client = Client(base, timeout, source)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    batch = b""
    while time.monotonic() < deadline:
        if not batch:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            batch = event_batch(size, rng, now)
        started = time.perf_counter()
        retry_after = 0.0
        try:
            status, body, answer = client.request(
                "POST", "/api/v1/events", body=batch, headers=headers
            )
        except (urllib3.exceptions.HTTPError, OSError):
            status, body, answer = 0, b"", urllib3.HTTPHeaderDict()
        out.append(Sample("event batch", time.perf_counter() - started, status))
        if status == 202:
            accepted = json.loads(body)["accepted"]
            with lock:
                totals["accepted"] += accepted
                totals["sent"] += size
            batch = b""
        elif status in (429, 503):
            # Nothing was stored: the same batch again after Retry-After, as documented.
            try:
                retry_after = max(1.0, float(answer.get("Retry-After", "1")))
            except ValueError:
                retry_after = 1.0
        else:
            batch = b""
        if retry_after:
            time.sleep(max(0.0, min(retry_after, deadline - time.monotonic())))


# -- one server -----------------------------------------------------------------------------


def server_argv(server: str, port: int, run_dir: Path) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if server == "dev":
        return [sys.executable, "manage.py", "runserver", "--noreload", bind]
    workers, _, threads = server.split("-")[1].partition("x")
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.conf.py",
        "config.wsgi:application",
        "--workers",
        workers,
        "--bind",
        bind,
    ]
    if threads:
        argv += ["--threads", threads]
    if gunicorn_has_control_socket():
        # gunicorn >= 24 opens a control socket in ~/.gunicorn by default, shared by every
        # gunicorn of the user: each benchmark server gets its own.
        argv += ["--control-socket", str(run_dir / "gunicorn.ctl")]
    return argv


_control_socket: bool | None = None


def gunicorn_has_control_socket() -> bool:
    global _control_socket
    if _control_socket is None:
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "--help"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        _control_socket = "--control-socket" in out
    return _control_socket


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    http = urllib3.PoolManager(retries=False, timeout=5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"load.py: the server exited ({proc.returncode}); see {log}:\n"
                + log.read_text()[-3000:]
            )
        try:
            answer = http.request(
                "GET", base + "/healthz", headers={"X-Forwarded-Proto": "https"}, redirect=False
            )
            if answer.status == 200:
                return
        except (urllib3.exceptions.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(
        f"load.py: the server did not answer /healthz in {timeout:.0f} s; {log}:\n"
        + log.read_text()[-3000:]
    )


def run_server(
    server: str,
    inst: Installation,
    port: int,
    work: Path,
    args: argparse.Namespace,
    procs: Processes,
) -> RunResult:
    label = f"{inst.label}/{server}"
    run_dir = fresh_copy(inst, work / f"{inst.label}-{server}")
    env = run_env(inst.base_env, run_dir, inst.database_url)
    base = f"http://127.0.0.1:{port}"
    result = RunResult(label)
    print(f"  {label}: starting on port {port}", flush=True)
    log = run_dir / "server.log"
    server_proc = procs.start(server_argv(server, port, run_dir), env, log)
    worker_proc = None
    if not args.no_worker:
        worker_proc = procs.start(
            [sys.executable, "manage.py", "worker"], env, run_dir / "worker.log"
        )
    try:
        wait_ready(base, server_proc, log, args.start_timeout)
        roles = user_roles(args.users)
        catalogue: dict[str, dict[str, list[str]]] = {}
        for i, role in enumerate(sorted(set(roles))):
            catalogue[role], skipped = discover(base, role, args.timeout, address(3, i))
            result.skipped += skipped
        roles = [r for r in roles if catalogue[r]]
        clients = []
        for i, role in enumerate(roles):
            client = Client(base, args.timeout, address(1, i))
            started = time.perf_counter()
            client.sign_in(f"{role}@{DOMAIN}")
            result.sign_in.append(time.perf_counter() - started)
            clients.append((client, role))

        result.load_start = os.getloadavg()
        cpu0 = group_cpu_seconds(server_proc.pid)
        wcpu0 = group_cpu_seconds(worker_proc.pid) if worker_proc else 0.0
        client0 = time.process_time()
        lock = threading.Lock()
        totals = {"accepted": 0, "sent": 0}
        per_thread: list[list[Sample]] = []
        threads = []
        t0 = time.monotonic()
        deadline = t0 + args.duration
        for i, (client, role) in enumerate(clients):
            samples: list[Sample] = []
            per_thread.append(samples)
            threads.append(
                threading.Thread(
                    target=browse,
                    daemon=True,
                    args=(
                        client,
                        catalogue[role],
                        deadline,
                        args.think,
                        samples,
                        random.Random(args.seed * 1000 + i),
                    ),
                )
            )
        for i in range(args.event_senders):
            samples = []
            per_thread.append(samples)
            threads.append(
                threading.Thread(
                    target=send_events,
                    daemon=True,
                    args=(
                        base,
                        inst.api_key,
                        args.batch,
                        deadline,
                        args.timeout,
                        samples,
                        totals,
                        lock,
                        random.Random(args.seed * 7919 + i),
                        address(2, i),
                    ),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.wall = time.monotonic() - t0
        result.server_cpu = group_cpu_seconds(server_proc.pid) - cpu0
        result.worker_cpu = (group_cpu_seconds(worker_proc.pid) - wcpu0) if worker_proc else 0
        result.client_cpu = time.process_time() - client0
        result.load_end = os.getloadavg()
        result.samples = [s for samples in per_thread for s in samples]
        result.events_accepted = totals["accepted"]
        result.events_sent = totals["sent"]
    finally:
        if worker_proc is not None:
            procs.stop(worker_proc)
        procs.stop(server_proc)
    return result


# -- report ---------------------------------------------------------------------------------


def pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, int(q * len(sorted_values) + 0.999999) - 1))
    return sorted_values[rank]


def ms(value: float) -> str:
    return "-" if value != value else f"{value * 1000:.0f}"


def summary(result: RunResult) -> dict[str, float]:
    pages = [s for s in result.samples if s.kind != "event batch"]
    batches = [s for s in result.samples if s.kind == "event batch"]
    page_lat = sorted(s.seconds for s in pages)
    errors = [s for s in result.samples if not (200 <= s.status < 400)]
    return {
        "pages": len(pages),
        "pages_per_s": len(pages) / result.wall if result.wall else 0.0,
        "page_p50": pct(page_lat, 0.50),
        "page_p95": pct(page_lat, 0.95),
        "page_p99": pct(page_lat, 0.99),
        "batches": len(batches),
        "events_per_s": result.events_accepted / result.wall if result.wall else 0.0,
        "errors": len(errors),
        "error_rate": len(errors) / len(result.samples) if result.samples else 0.0,
        "backpressure": sum(1 for s in errors if s.status in (429, 503)),
    }


def print_run(result: RunResult) -> None:
    print(
        f"\n{result.server}: {result.wall:.1f} s wall, load average "
        f"{result.load_start[0]:.2f} at start, {result.load_end[0]:.2f} at end"
    )
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in result.samples:
        by_kind[s.kind].append(s)
    print(
        f"  {'page type':<20}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        "  statuses"
    )
    rows = [("sign-in", [Sample("sign-in", t, 302) for t in result.sign_in])]
    rows += sorted(by_kind.items())
    for kind, samples in rows:
        lat = sorted(s.seconds for s in samples)
        statuses: dict[int, int] = defaultdict(int)
        for s in samples:
            statuses[s.status] += 1
        errors = sum(n for code, n in statuses.items() if not (200 <= code < 400))
        codes = " ".join(f"{code or 'conn'}:{n}" for code, n in sorted(statuses.items()))
        print(
            f"  {kind:<20}{len(samples):>8}{ms(pct(lat, 0.5)):>9}{ms(pct(lat, 0.95)):>9}"
            f"{ms(pct(lat, 0.99)):>9}{errors:>8}  {codes}"
        )
    s = summary(result)
    print(
        f"  pages: {s['pages']} ({s['pages_per_s']:.1f}/s), p50/p95/p99 "
        f"{ms(s['page_p50'])}/{ms(s['page_p95'])}/{ms(s['page_p99'])} ms"
    )
    print(
        f"  events accepted: {result.events_accepted:,} of {result.events_sent:,} sent in "
        f"202 batches = {s['events_per_s']:,.0f}/s over HTTP"
    )
    print(
        f"  errors: {s['errors']} of {len(result.samples)} requests "
        f"({100 * s['error_rate']:.2f}%; {s['backpressure']} were 429/503 backpressure)"
    )
    print(
        f"  CPU seconds: server {result.server_cpu:.1f}, worker {result.worker_cpu:.1f}, "
        f"client {result.client_cpu:.1f} (wall {result.wall:.1f}; "
        f"server {result.server_cpu / result.wall:.2f} cores busy)"
    )
    for line in result.skipped:
        print(f"  not browsed: {line}")


def print_comparison(results: list[RunResult]) -> None:
    print(
        "\nSummary (ratio: this server / the development server of the same database; "
        "throughput ratios > 1 and latency ratios < 1 are better)"
    )
    header = (
        f"  {'server':<22}{'pages/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'events/s':>11}{'err %':>7}{'srv CPU s':>10}{'wall s':>8}{'load':>11}"
    )
    print(header)
    for r in results:
        s = summary(r)
        print(
            f"  {r.server:<22}{s['pages_per_s']:>9.1f}{ms(s['page_p50']):>8}"
            f"{ms(s['page_p95']):>8}{ms(s['page_p99']):>8}{s['events_per_s']:>11,.0f}"
            f"{100 * s['error_rate']:>7.2f}{r.server_cpu:>10.1f}{r.wall:>8.1f}"
            f"{r.load_start[0]:>5.1f}->{r.load_end[0]:<4.1f}"
        )
    dev = {r.server.split("/")[0]: summary(r) for r in results if r.server.endswith("/dev")}
    lines = []
    for r in results:
        base = dev.get(r.server.split("/")[0])
        if base is None or r.server.endswith("/dev"):
            continue
        s = summary(r)

        def ratio(key: str, s: dict[str, float] = s, base: dict[str, float] = base) -> str:
            return f"{s[key] / base[key]:.2f}x" if base[key] else "-"

        lines.append(
            f"  {r.server:<22}{ratio('pages_per_s'):>9}{ratio('page_p50'):>8}"
            f"{ratio('page_p95'):>8}{ratio('page_p99'):>8}{ratio('events_per_s'):>11}"
        )
    if lines:
        print(
            f"\n  {'against dev server':<22}{'pages/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}"
            f"{'events/s':>11}"
        )
        print("\n".join(lines))


# -- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load test of the real server: signed-in people browsing and event "
        "batches, against the development server and gunicorn.",
    )
    parser.add_argument("--duration", type=float, default=120, help="seconds per server [120]")
    parser.add_argument("--users", type=int, default=50, help="signed-in people browsing [50]")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds between a person's pages, uniform 0..2x; 0 for none [1.0]",
    )
    parser.add_argument(
        "--event-senders",
        type=int,
        default=2,
        help="threads posting event batches back to back [2]",
    )
    parser.add_argument("--batch", type=int, default=1000, help="events per batch [1000]")
    parser.add_argument(
        "--workers", default="1,2", help="gunicorn worker counts to run, comma-separated [1,2]"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="gunicorn threads per worker (gthread, as config/gunicorn.conf.py; the server is "
        "named gunicorn-<workers>x<threads>) [4: what `civicloop serve` runs]",
    )
    parser.add_argument(
        "--no-dev",
        action="store_true",
        help="leave out Django's development server (no ratios then)",
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="only PostgreSQL (needs --database-url)"
    )
    parser.add_argument(
        "--database-url",
        help="also run on PostgreSQL: a fresh database <name>_load_<pid> is "
        "created on this server and dropped at the end",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="no task worker beside the server (the outbox is then not "
        "drained and intake stops with 429 at the backlog limit)",
    )
    parser.add_argument("--port", type=int, default=8170, help="first port to use [8170]")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request [60]")
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=180,
        help="seconds a server may take to answer /healthz [180]",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the summaries to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs --database-url")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = f"x{args.threads}"
    servers = ([] if args.no_dev else ["dev"]) + [
        f"gunicorn-{int(n)}{threads}" for n in args.workers.split(",") if n.strip()
    ]
    procs = Processes()
    work = Path(tempfile.mkdtemp(prefix="civicloop-load-"))
    pg_url = ""

    def on_sigterm(signum: int, frame: object) -> None:
        raise Interrupted

    signal.signal(signal.SIGTERM, on_sigterm)
    results: list[RunResult] = []
    load_start = os.getloadavg()
    print(
        f"load.py: {args.users} users (think {args.think:g} s), {args.event_senders} event "
        f"senders x {args.batch} events, {args.duration:g} s per server; servers: "
        f"{', '.join(servers)}; {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in load_start)}; work dir {work}",
        flush=True,
    )
    try:
        base = base_environment()
        installations = []
        if not args.no_sqlite:
            installations.append(install("sqlite", work, "", base))
        if args.database_url:
            pg_url = postgres_create(args.database_url)
            installations.append(install("postgres", work, pg_url, base))
        port = args.port
        for inst in installations:
            for server in servers:
                results.append(run_server(server, inst, port, work, args, procs))
                port += 1
        load_end = os.getloadavg()
        for result in results:
            print_run(result)
        print_comparison(results)
        print(
            f"\nmachine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
            f"{' '.join(f'{x:.2f}' for x in load_start)} at start, "
            f"{' '.join(f'{x:.2f}' for x in load_end)} at end"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    [
                        {
                            "server": r.server,
                            "wall": r.wall,
                            "server_cpu": r.server_cpu,
                            "worker_cpu": r.worker_cpu,
                            "client_cpu": r.client_cpu,
                            "events_accepted": r.events_accepted,
                            "load_start": r.load_start,
                            "load_end": r.load_end,
                            **summary(r),
                        }
                        for r in results
                    ],
                    indent=2,
                )
            )
        return 1 if any(summary(r)["errors"] for r in results) else 0
    except (KeyboardInterrupt, Interrupted):
        print("\nload.py: interrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        procs.stop_all()
        if pg_url:
            postgres_drop(pg_url)
        if args.keep:
            print(f"load.py: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
