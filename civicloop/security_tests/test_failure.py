"""Failure is honest (issue 12, findings 8 and 9): never a 500 page, never a traceback.

* With the database down, pages answer a static 503 page and the API 503 problem+json, both
  with ``Retry-After``, whichever layer met the outage (a view, or a middleware such as
  sessions, authentication or axes); ``/healthz`` names what is down.
* Hostile bodies (3,000 levels of nesting, multipart without a boundary, ``null`` where a value
  is required, bodies over the limit) answer 4xx problem+json, under the real server too.
* ``civicloop serve`` runs with DEBUG off unless ``--dev`` is given.
* No log line the server writes holds a query string's values.
* The worker outlives a real PostgreSQL outage and runs what was queued (PostgreSQL only).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

# Pages that read the database (the home and sign-in pages need none and keep answering).
from civicloop.security_tests.failure_support import (
    CLOSED_PORT,
    PROBLEM,
    _assert_unavailable_page,
    _assert_unavailable_problem,
    _client,
    _concrete,
    _debug_under,
    _nullable_columns,
    _on_postgresql,
    _outage,
    _patch_schemas,
    _postgres_admin,
    _request,
    _server_env,
    _wait_for,
    database_down,
    json_operations,
    real_server,
)

PAGES = ["/portfolio/", "/market/", "/scaling/registry/", "/experiments/"]
PUBLIC_PAGES = ["/market/", "/scaling/registry/", "/feedback/s/licence-renewal/"]
NO_DATABASE_PAGES = ["/", "/accounts/login/"]
API_PATHS = ["/api/v1/problems", "/api/v1/market/public/challenges", "/api/v1/health"]
DEEP = "[" * 3000 + "]" * 3000


# -- 1. the database is down ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_pages_answer_a_static_503_with_retry_after_when_the_database_is_down(
    world, monkeypatch, signed_in
):
    client = _client(world, "staff" if signed_in else None)
    with database_down(monkeypatch):
        for path in PAGES if signed_in else PUBLIC_PAGES:
            _assert_unavailable_page(client.get(path))
        for path in NO_DATABASE_PAGES:
            response = client.get(path)
            if response.status_code != 200:
                _assert_unavailable_page(response)
        _assert_unavailable_page(
            client.post("/accounts/login/", {"login": "staff@example.org", "password": "x" * 12})
        )


@pytest.mark.django_db
def test_api_answers_503_problem_json_with_retry_after_when_the_database_is_down(
    world, monkeypatch
):
    keyed = _client(world, HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    session = _client(world, "staff")
    with database_down(monkeypatch):
        for path in API_PATHS:
            _assert_unavailable_problem(keyed.get(path))
            _assert_unavailable_problem(session.get(path))
        _assert_unavailable_problem(
            keyed.post(
                "/api/v1/events",
                data="[]",
                content_type="application/json",
            )
        )


@pytest.mark.django_db
def test_an_outage_met_inside_another_middleware_is_a_503_too(world, settings, monkeypatch):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "civicloop.security_tests.failure_support._QueriesInMiddleware",
    ]
    client = _client(world, "staff")
    with database_down(monkeypatch):
        _assert_unavailable_page(client.get("/"))
        _assert_unavailable_problem(client.get("/api/v1/problems"))


@pytest.mark.django_db
def test_with_debug_on_an_outage_still_shows_no_traceback(world, settings, monkeypatch):
    settings.DEBUG = True
    client = _client(world, "staff")
    with database_down(monkeypatch):
        _assert_unavailable_page(client.get("/portfolio/"))
        _assert_unavailable_problem(client.get("/api/v1/problems"))


@pytest.mark.django_db
def test_healthz_names_what_is_down_with_retry_after(settings, monkeypatch, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    up = Client(raise_request_exception=False).get("/healthz")
    assert up.status_code == 200, up.content
    assert up.json()["database"] == "ok"
    assert up.json()["task_queue"] == "ok"
    with database_down(monkeypatch):
        down = Client(raise_request_exception=False).get("/healthz")
        api = Client(raise_request_exception=False).get("/api/v1/health")
    assert down.status_code == 503
    assert int(down["Retry-After"]) > 0
    body = down.json()
    assert body["database"] == "unavailable"
    assert body["task_queue"] == "unavailable"
    assert body["event_store"] == "ok"
    assert set(body["unavailable"]) == {"database", "task_queue"}
    _assert_unavailable_problem(api)
    assert {e["field"] for e in api.json()["errors"]} == {"database", "task_queue"}


@pytest.mark.django_db
def test_healthz_names_an_unusable_event_store(settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(blocker / "events")}
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["unavailable"] == ["event_store"]


# -- 3. hostile input answers 4xx problem+json ----------------------------------------------


def test_the_json_sweep_covers_the_events_intake():
    assert ("POST", "/api/v1/events") in json_operations()
    assert len(json_operations()) > 30


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    for method, path in json_operations():
        response = client.generic(method, _concrete(path), DEEP, content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code)
        assert response["Content-Type"] == PROBLEM, (method, path)


@pytest.mark.django_db
def test_deep_events_properties_are_refused_whole(world, settings, tmp_path):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    event = {
        "event_id": "3f1c1b9e-0000-4000-8000-00000000b003",
        "unit_id": "x",
        "name": "n",
        "timestamp": "2026-12-01T00:00:00Z",
        "properties": {"a": "@"},
    }
    body = json.dumps([event]).replace('"@"', DEEP)
    response = Client().post(
        "/api/v1/events",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "64 levels" in response.json()["detail"]


@pytest.mark.django_db
def test_multipart_without_a_boundary_is_a_400_problem(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    for method, path in [
        ("POST", "/api/v1/market/proposals/1/files"),
        *json_operations()[:10],
    ]:
        response = client.generic(
            method, _concrete(path), b"--x\r\n\r\n", content_type="multipart/form-data"
        )
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        assert response["Content-Type"] == PROBLEM, (method, path)


@pytest.mark.django_db
def test_null_for_a_required_obstacle_text_is_a_422_naming_the_field(world):
    from civicloop.portfolio.tests.factories import ProblemFactory
    from civicloop.scaling.services import obstacle_create

    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    obstacle = obstacle_create(
        actor=world.principal("staff"),
        problem=problem,
        kind="regulation",
        title="Rule forbids sharing",
        severity=3,
        likelihood=3,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    for field in ("proposed_rule_change", "mitigation", "owner_label", "status", "severity"):
        response = client.patch(
            f"/api/v1/scaling/obstacles/{obstacle.pk}",
            {field: None},
            content_type="application/json",
        )
        assert response.status_code == 422, (field, response.content)
        assert response["Content-Type"] == PROBLEM
        assert response.json()["errors"][0]["field"] == field
    cleared = client.patch(
        f"/api/v1/scaling/obstacles/{obstacle.pk}",
        {"due_date": None},
        content_type="application/json",
    )
    assert cleared.status_code == 200, cleared.content  # a nullable column may be cleared


def test_every_patch_schema_refuses_null_where_the_column_does():
    """The class of defect: a PATCH field declared ``T | None`` over a NOT NULL column."""
    from civicloop.api import api
    from civicloop.core.http import PatchSchema

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    checked = 0
    for item in schema["paths"].values():
        operation = item.get("patch")
        if operation is None:
            continue
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = components[ref.rsplit("/", 1)[1]]
        for name, prop in body["properties"].items():
            nullable = any(o.get("type") == "null" for o in prop.get("anyOf", []))
            assert not nullable or name in _nullable_columns(), (ref, name)
        checked += 1
    assert checked >= 5
    assert all(issubclass(cls, PatchSchema) for cls in _patch_schemas())


@pytest.mark.django_db
def test_bodies_over_the_limit_are_413_problem_for_the_api_and_a_page_elsewhere(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    big = json.dumps({"title": "x" * 10_000})
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}").post(
        "/api/v1/problems", big, content_type="application/json"
    )
    assert api.status_code == 413, api.content[:200]
    assert api["Content-Type"] == PROBLEM, api.content[:200]
    page = world.client("staff").post(
        "/portfolio/", "title=" + "x" * 10_000, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")


# -- 3 and 4 under the real server -----------------------------------------------------------


@pytest.mark.slow
def test_real_server_with_postgresql_down_answers_503_and_413_and_logs_no_query(tmp_path):
    """Production-like run (no --dev) against a PostgreSQL address where nothing listens."""
    env = _server_env(tmp_path, f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/civicloop")
    with real_server(tmp_path, env=env) as (port, log):
        status, headers, body = _request(port, "GET", "/market/?unit=zorro@example.org")
        assert status == 503
        assert int(headers["Retry-After"]) > 0
        assert headers["Content-Type"].startswith("text/html")
        assert b"Traceback" not in body
        status, headers, body = _request(
            port,
            "GET",
            "/api/v1/problems?q=zorro@example.org",
            headers={"Authorization": "Bearer clk_any"},
        )
        assert status == 503, body[:300]
        assert headers["Content-Type"] == PROBLEM, body[:300]
        status, headers, body = _request(port, "GET", "/healthz")
        assert status == 503
        assert "database" in json.loads(body)["unavailable"]
        status, headers, body = _request(
            port,
            "POST",
            "/api/v1/problems",
            body=b"{" + b" " * (26 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert status == 413, body[:300]
        assert headers["Content-Type"] == PROBLEM, body[:300]
        status, headers, body = _request(
            port,
            "POST",
            "/api/v1/problems",
            body=json.dumps({"context": "x" * 3_000_000}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 413, body[:300]
        assert headers["Content-Type"] == PROBLEM, body[:300]
        status, headers, body = _request(port, "GET", "/no-such-page/")
        assert status == 404
        assert b"Traceback" not in body
    written = log.read_text()
    # gunicorn's access log (config/gunicorn.conf.py) holds the path without its query string.
    assert '"GET /market/ HTTP/1.1" 503' in written, written[-2000:]
    assert "zorro" not in written


@pytest.mark.slow
def test_serve_dev_flag_alone_turns_debug_on(tmp_path):
    env = _server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with real_server(tmp_path, env=env, args=("--dev",)) as (port, _log):
        status, _headers, body = _request(port, "GET", "/no-such-page/")
    assert status == 404
    assert b"Django tried these URL patterns" in body


# -- 4. civicloop serve: DEBUG off unless --dev ------------------------------------------------


@pytest.mark.slow  # starts `civicloop serve` in a subprocess per case (6-10 s each)
@pytest.mark.parametrize(
    ("environ", "dev", "debug"),
    [
        ({}, False, "False"),
        ({"DEBUG": "1"}, False, "False"),
        ({"DJANGO_SETTINGS_MODULE": "config.settings.dev"}, False, "False"),
        ({}, True, "True"),
    ],
    ids=["default", "debug-exported", "dev-settings", "--dev"],
)
def test_serve_runs_with_debug_off_unless_dev_is_given(tmp_path, environ, dev, debug):
    from civicloop.cli.main import serve_environment

    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    base["CIVICLOOP_VAR_DIR"] = str(tmp_path)
    env = serve_environment({**base, **environ}, dev=dev)
    assert env["DJANGO_SETTINGS_MODULE"] == environ.get(
        "DJANGO_SETTINGS_MODULE", "config.settings.dev"
    )
    assert _debug_under(env) == debug


# -- 5. query strings never reach a log line ---------------------------------------------------


def test_the_development_server_access_log_redacts_query_strings(caplog):
    from django.core.servers.basehttp import WSGIRequestHandler

    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None  # type: ignore[assignment]  # never read by log_message
    handler.requestline = "POST /feedback/s/licence-renewal/?unit=zorro@example.org HTTP/1.1"
    handler.log_date_time_string = lambda: "02/Dec/2026 03:04:05"  # type: ignore[method-assign]
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    server_logger = logging.getLogger("django.server")
    capture = Capture()
    server_logger.addHandler(capture)
    try:
        handler.log_request(200, 12)
        handler.log_message('"%s" %s %s', handler.requestline, "404", "0")
    finally:
        server_logger.removeHandler(capture)
    assert records, records
    assert all("zorro" not in line for line in records), records
    assert "/feedback/s/licence-renewal/?unit=[redacted]" in records[0]


def test_every_configured_log_handler_redacts_query_strings():
    from django.conf import settings

    config = settings.LOGGING
    for name, handler in config["handlers"].items():
        assert "redact_query_strings" in handler.get("filters", []), name
    for name in ("django", "django.server"):
        for handler in logging.getLogger(name).handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue  # pytest's own capture
            assert any(type(f).__name__ == "RedactQueryStrings" for f in handler.filters), name


def test_the_gunicorn_access_log_leaves_query_strings_out():
    path = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    log_format = str(namespace["access_log_format"])
    for atom in ("%(r)s", "%(q)s", "%(f)s", "{query_string}"):
        assert atom not in log_format


# -- 2. the worker survives a real PostgreSQL outage -------------------------------------------


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not _on_postgresql(), reason="needs DATABASE_URL on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_postgresql_outage_and_runs_queued_tasks(settings, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from civicloop.analytics.tasks import events_flush

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    name = connections["default"].settings_dict["NAME"]
    params = connections["default"].get_connection_params()
    url = f"postgres://{params['user']}@{params['host']}:{params.get('port', 5432)}/{name}"
    env = _server_env(tmp_path, url)
    env["DEBUG"] = "0"

    def finished(result_id) -> bool:
        try:
            return DBTaskResult.objects.get(pk=result_id).status == "SUCCESSFUL"
        except Exception:  # noqa: BLE001 - the database may still be coming back
            connections.close_all()
            return False

    before = events_flush.enqueue()
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "civicloop.cli", "worker", "--no-schedule", "--interval", "0.2"]
            + ["--no-startup-delay"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(lambda: finished(before.id), 60, "the first task")
            connections.close_all()
            with _postgres_admin() as admin:
                _outage(admin, name, down=True)
                try:
                    time.sleep(4)
                    assert worker.poll() is None, log.read_text()
                finally:
                    _outage(admin, name, down=False)
            after = events_flush.enqueue()  # queued once the database is back
            _wait_for(lambda: finished(after.id), 90, "the task queued after recovery")
            assert worker.poll() is None, log.read_text()
        finally:
            worker.terminate()
            worker.wait(timeout=20)
    written = log.read_text()
    assert "database unavailable, worker waiting to reconnect" in written, written[-3000:]
    assert "worker resumes" in written, written[-3000:]
