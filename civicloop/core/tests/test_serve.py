"""`civicloop serve` runs gunicorn and the worker, and SIGTERM stops every process it started."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from civicloop.analytics.store import EventStore

# This checkout's ports are 8140-8149 (the security tests' servers take 8160-8169).
PORTS = range(*(int(p) for p in os.environ.get("CIVICLOOP_TEST_PORTS", "8140-8149").split("-")))


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8140-8149")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CIVICLOOP_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


PREPARE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from civicloop.analytics.tasks import events_flush
events_flush.enqueue()
"""


@pytest.mark.slow
def test_serve_runs_gunicorn_and_sigterm_stops_web_and_worker_and_frees_the_store(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-c", PREPARE], env=env, check=True, timeout=300)  # noqa: S603
    store_dir = tmp_path / "var" / "events" / "org-1"
    store = EventStore(store_dir)
    event = {
        "event_id": str(uuid.uuid4()),
        "unit_id": "u1",
        "name": "visit",
        "timestamp": "2026-11-30T10:00:00Z",
    }
    assert store.accept([event]).accepted == 1
    store.close()

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "civicloop.cli", "serve", "--port", str(port)]
            + ["--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def answering() -> bool:
            assert serve.poll() is None, log.read_text()
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        _wait_for(answering, 420, "the server")  # collectstatic first
        status, _headers, body = _get(port, "/healthz")
        assert status == 200, body
        # The worker beside it ran the queued flush: the event left the outbox.
        _wait_for(lambda: EventStore(store_dir).outbox.backlog() == 0, 120, "the flush")
        # Static files have hashed names and a long cache lifetime (manifest storage).
        status, _headers, page = _get(port, "/accounts/login/")
        assert status == 200
        css = next(p for p in page.decode().split('"') if p.startswith("/static/") and ".css" in p)
        assert css.count(".") >= 2, css  # name.<hash>.css
        status, headers, _body = _get(port, css)
        assert status == 200
        assert "immutable" in headers["Cache-Control"]
        assert int(headers["Cache-Control"].split("max-age=")[1].split(",")[0]) >= 365 * 86400

        started = _descendants(serve.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in started]
        assert sum(b"gunicorn" in c for c in commands) == 3, commands  # master + 2 web processes
        assert sum(b"worker" in c and b"gunicorn" not in c for c in commands) == 1, commands

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=15) == 0, log.read_text()
        _wait_for(lambda: not any(_alive(pid) for pid in started), 5, "every child to exit")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    # The DuckDB file is free: another process opens it and finds the flushed event.
    opened = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from civicloop.analytics.store import EventStore; "
            "print(EventStore(sys.argv[1]).count())",
            str(store_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "1"
    assert "Shutting down: Master" in log.read_text()
