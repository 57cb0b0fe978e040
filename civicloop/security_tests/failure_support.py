"""What the failure tests (test_failure.py) share: a database that is down, a real server in a
subprocess, the API's JSON operations, and a PostgreSQL outage."""

from __future__ import annotations

import functools
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import OperationalError, connections
from django.test import Client

PROBLEM = "application/problem+json"


def _client(world, role: str | None = None, **headers: str) -> Client:
    """A test client that answers like the server (Django's test client re-raises exceptions
    a view raised even when a response was built for them)."""
    client = world.client(role)
    client.raise_request_exception = False
    client.defaults.update(headers)
    return client


@contextmanager
def database_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every connection refuses, as a database that is down or unreachable does."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused (simulated outage)")

    with monkeypatch.context() as patch:
        for conn in connections.all():
            patch.setattr(conn, "ensure_connection", refuse)
        yield


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "Traceback" not in text
    assert "OperationalError" not in text
    assert "unavailable" in text.lower()


def _assert_unavailable_problem(response) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert "Traceback" not in json.dumps(body)


class _QueriesInMiddleware:
    """Like sessions, authentication, axes and allauth: touches the database before the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bool(request.user.is_authenticated)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return self.get_response(request)


@functools.cache
def json_operations() -> list[tuple[str, str]]:
    """Every operation of the published API that takes a JSON body."""
    from civicloop.api import api

    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path))
    return sorted(found)


def _concrete(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "1", path)


def _patch_schemas():
    from civicloop.experiments.api import ExperimentPatch, IterationPatch
    from civicloop.market.api.challenges import ChallengePatch
    from civicloop.portfolio.api import ProblemPatch
    from civicloop.scaling.api.obstacles import ObstaclePatch

    return [ExperimentPatch, IterationPatch, ChallengePatch, ProblemPatch, ObstaclePatch]


def _nullable_columns() -> set[str]:
    return {"due_date", "intervention_date", "consultation_closes_at", "submission_deadline"}


# This checkout's port range is 8160-8169 (CIVICLOOP_TEST_PORTS=FIRST-LAST for another one):
# servers take all but the last, nothing ever listens on the last (the address of a database
# that is down).
FIRST_PORT, CLOSED_PORT = (
    int(p) for p in os.environ.get("CIVICLOOP_TEST_PORTS", "8160-8169").split("-")
)


def _free_port() -> int:
    for port in range(FIRST_PORT, CLOSED_PORT):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {FIRST_PORT}-{CLOSED_PORT}")


@contextmanager
def real_server(tmp_path: Path, *, env: dict[str, str], args: tuple[str, ...] = ()):
    """`civicloop serve --no-worker` as a subprocess; yields (port, path of its log)."""
    port = _free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "civicloop.cli", "serve", "--port", str(port), "--no-worker"]
            + list(args),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # Without --dev, serve first writes the hashed static files (collectstatic).
            deadline = time.monotonic() + 420
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            yield port, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if len(body) > 1024 * 1024:
            # A body over the limits is refused from its Content-Length before it is read:
            # send the headers, read the answer, never the body (gunicorn closes the
            # connection after answering, so a client still sending would meet a reset).
            conn.putrequest(method, path)
            for name, value in {**(headers or {}), "Content-Length": str(len(body))}.items():
                conn.putheader(name, value)
            conn.endheaders()
        else:
            conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _server_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {**os.environ, "CIVICLOOP_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": database_url}
    for name in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return env


def _debug_under(env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.DEBUG)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def _on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@contextmanager
def _postgres_admin():
    """A connection to the server's maintenance database, outside Django and the test DB."""
    import psycopg

    params = connections["default"].get_connection_params()
    params = {k: v for k, v in params.items() if k in {"host", "port", "user", "password"}}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        yield admin


def _outage(admin, name: str, *, down: bool) -> None:
    from psycopg import sql

    allow = sql.SQL("false" if down else "true")
    admin.execute(
        sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(sql.Identifier(name), allow)
    )
    if down:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")
