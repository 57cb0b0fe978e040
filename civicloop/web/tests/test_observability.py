"""Request ids, structured logs and /metrics (civicloop/web/observability.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client import REGISTRY

from civicloop.analytics import services
from civicloop.web.observability import (
    JsonFormatter,
    ReadableFormatter,
    RequestContextFilter,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def log_lines():
    """Every record of the test, formatted as production writes them (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    services.event_store_close()
    yield tmp_path / "events"
    services.event_store_close()


def _event() -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": "person-1",
        "name": "form_submitted",
        "timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }


# -- request ids and log lines ---------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_a_safe_client_id_is_kept(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz")["X-Request-ID"] != generated
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c21-0001"
    for hostile in ["short", "x" * 200, "abc\ndef-ghijkl", 'id" "level": "ERROR']:
        replaced = client.get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
        assert replaced != hostile
        assert len(replaced) == 32


@pytest.mark.django_db
def test_request_log_line_is_json_with_id_route_status_duration_and_no_query(
    world, store_dir, client, log_lines
):
    key = world.api_key()
    response = client.post(
        "/api/v1/events?email=zorro@example.org",
        data=json.dumps([_event()]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_X_REQUEST_ID="req-0123456789",
    )
    assert response.status_code == 202
    lines = [line for line in log_lines() if line["request_id"] == "req-0123456789"]
    request_line = next(line for line in lines if line["logger"] == "civicloop.request")
    assert request_line["level"] == "INFO"
    assert request_line["method"] == "POST"
    assert request_line["path"] == "/api/v1/events"
    assert request_line["status"] == 202
    assert request_line["duration_ms"] >= 0
    assert request_line["organization"] == world.unit.pk
    assert datetime.fromisoformat(request_line["time"]).utcoffset() == timedelta(0)
    assert request_line["time"].endswith("Z")
    assert "zorro" not in json.dumps(log_lines())


def test_records_written_during_a_request_carry_its_id(rf, log_lines):
    from civicloop.web.observability import RequestObservabilityMiddleware

    def view(request):
        logging.getLogger("civicloop.somewhere").warning("inside the view")
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = rf.get("/anything", HTTP_X_REQUEST_ID="trace-abcdef123")
    RequestObservabilityMiddleware(view)(request)
    logging.getLogger("civicloop.somewhere").warning("after the request")
    inside, *_, after = [
        line for line in log_lines() if line["message"] in {"inside the view", "after the request"}
    ]
    assert inside["request_id"] == "trace-abcdef123"
    assert after["request_id"] is None


def test_error_lines_hold_the_exception_text_and_dev_lines_have_time_and_level():
    try:
        raise ValueError("the store is gone")
    except ValueError:
        record = logging.LogRecord(
            "civicloop.x", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["message"] == "failed: x"
    assert "ValueError: the store is gone" in entry["exception"]
    line = ReadableFormatter().format(record)
    assert line.split(" ")[1] == "ERROR"
    datetime.fromisoformat(line.split(" ")[0])
    assert "ValueError: the store is gone" in line


def test_every_handler_keeps_the_query_string_redaction_and_adds_the_request_context():
    from config.settings.base import logging_config

    for log_format in ["text", "json"]:
        config = logging_config(log_format)
        for name, handler in config["handlers"].items():
            assert "redact_query_strings" in handler["filters"], name
            assert "request_context" in handler["filters"], name
        assert config["handlers"]["console"]["formatter"] == log_format
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "text"


# -- /metrics ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_default_only_this_machine_without_a_proxy(settings):
    settings.CIVICLOOP_METRICS_TOKEN = ""
    settings.CIVICLOOP_METRICS_ALLOW = []
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.8").get("/metrics").status_code == 403
    forwarded = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forwarded.get("/metrics").status_code == 403


@pytest.mark.django_db
def test_metrics_with_a_token_need_the_token(settings):
    settings.CIVICLOOP_METRICS_TOKEN = "s3cret-token-of-the-monitoring"
    settings.CIVICLOOP_METRICS_ALLOW = []
    outside = Client(REMOTE_ADDR="10.0.0.8")
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    good = outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-of-the-monitoring")
    assert good.status_code == 200
    assert good["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_allowed_networks_trust_forwarded_for_only_from_proxies(settings):
    settings.CIVICLOOP_METRICS_TOKEN = ""
    settings.CIVICLOOP_METRICS_ALLOW = ["10.20.0.0/16"]
    settings.CIVICLOOP_METRICS_TRUSTED_PROXIES = ["192.0.2.10/32"]
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.21.3.4").get("/metrics").status_code == 403
    spoofed = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert spoofed.get("/metrics").status_code == 403
    proxied = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert proxied.get("/metrics").status_code == 200
    # The client prepends what it likes; the proxy appends the address it saw.
    chained = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.20.3.4, 198.51.100.7")
    assert chained.get("/metrics").status_code == 403


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_never_by_raw_path(client, settings):
    settings.CIVICLOOP_METRICS_TOKEN = ""
    settings.CIVICLOOP_METRICS_ALLOW = []
    before = _sample("civicloop_http_requests_total", method="GET", route="healthz", status="200")
    client.get("/healthz")
    detail = _sample(
        "civicloop_http_requests_total", method="GET", route="portfolio:detail", status="302"
    )
    assert client.get("/portfolio/987654321/").status_code == 302  # to the sign-in page
    assert (
        _sample(
            "civicloop_http_requests_total", method="GET", route="portfolio:detail", status="302"
        )
        == detail + 1
    )
    after = _sample("civicloop_http_requests_total", method="GET", route="healthz", status="200")
    assert after == before + 1
    text = client.get("/metrics").content.decode()
    assert 'civicloop_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "civicloop_http_request_duration_seconds_bucket" in text
    assert "987654321" not in text


@pytest.mark.django_db
def test_events_accepted_and_rejected_are_counted_and_backlog_shown(
    world, store_dir, client, settings
):
    settings.CIVICLOOP_METRICS_TOKEN = ""
    settings.CIVICLOOP_METRICS_ALLOW = []
    accepted = _sample("civicloop_events_total", outcome="accepted")
    rejected = _sample("civicloop_events_total", outcome="rejected")
    bad = {**_event(), "event_id": "not-a-uuid"}
    response = client.post(
        "/api/v1/events",
        data=json.dumps([_event(), _event(), bad]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert response.json()["accepted"] == 2
    assert _sample("civicloop_events_total", outcome="accepted") == accepted + 2
    assert _sample("civicloop_events_total", outcome="rejected") == rejected + 1
    text = client.get("/metrics").content.decode()
    assert f'civicloop_event_outbox_backlog{{organization="org-{world.unit.pk}"}} 2.0' in text


@pytest.mark.django_db
def test_task_queue_depth_and_age_are_exported(client, settings):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from civicloop.core.tasks import purge_signin_logs

    settings.CIVICLOOP_METRICS_TOKEN = ""
    settings.CIVICLOOP_METRICS_ALLOW = []
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    purge_signin_logs.enqueue()
    purge_signin_logs.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=600))
    text = client.get("/metrics").content.decode()
    assert 'civicloop_task_queue_ready{queue="default"} 2.0' in text
    age = next(
        line
        for line in text.splitlines()
        if line.startswith('civicloop_task_queue_oldest_ready_age_seconds{queue="default"}')
    )
    assert 600 <= float(age.split()[-1]) < 700


@pytest.mark.slow
def test_multiprocess_mode_adds_up_the_worker_processes(tmp_path):
    """Two server processes count into PROMETHEUS_MULTIPROC_DIR; /metrics shows the sum."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        # The processes share a database file of their own, whatever the test run uses.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    (tmp_path / "metrics").mkdir()
    worker = (
        "import django, sys; django.setup()\n"
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.test import Client\n"
        "for _ in range(int(sys.argv[1])): Client().get('/healthz')\n"
    )
    for count in ["2", "3"]:
        subprocess.run([sys.executable, "-c", worker, count], env=env, check=True, cwd=ROOT)  # noqa: S603
    reader = (
        "import django; django.setup()\n"
        "from civicloop.web.observability import metrics_text\n"
        "print(metrics_text()[0].decode())\n"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", reader], env=env, check=True, cwd=ROOT, capture_output=True
    ).stdout.decode()
    assert 'civicloop_http_requests_total{method="GET",route="healthz",status="200"} 5.0' in out
