"""GET /readyz: whether this instance can serve and work now (civicloop/core/health.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.analytics import services
from civicloop.security_tests.test_failure import database_down

pytestmark = pytest.mark.django_db

CHECKS = {"database", "task_queue", "event_writer", "disk"}


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    yield tmp_path / "events"
    services.event_store_close()


def _readyz():
    return Client(raise_request_exception=False).get("/readyz")


def test_ready_answers_200_with_every_check_ok(store_dir):
    response = _readyz()
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["database"]["engine"] in {"sqlite", "postgresql"}
    assert response["Cache-Control"] == "no-store"


def test_a_database_outage_is_503_with_retry_after_naming_the_database(store_dir, monkeypatch):
    with database_down(monkeypatch):
        response = _readyz()
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "unavailable"
    assert "connection refused" in body["checks"]["database"]["error"]
    assert body["checks"]["disk"]["status"] == "ok"


def test_a_task_waiting_longer_than_the_limit_means_no_worker(store_dir, settings):
    from django_tasks_db.models import DBTaskResult

    from civicloop.core.tasks import purge_signin_logs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CIVICLOOP_READY_MAX_TASK_AGE_SECONDS = 300
    purge_signin_logs.enqueue()
    fresh = _readyz().json()["checks"]["task_queue"]
    assert fresh["status"] == "ok"
    assert fresh["ready"] == 1
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=301))
    response = _readyz()
    assert response.status_code == 503
    stale = response.json()["checks"]["task_queue"]
    assert stale["status"] == "unavailable"
    assert stale["oldest_ready_age_seconds"] >= 301
    assert "worker" in stale["error"]


def test_a_task_delayed_into_the_future_is_not_late(store_dir, settings):
    from civicloop.core.tasks import purge_signin_logs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    purge_signin_logs.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    check = _readyz().json()["checks"]["task_queue"]
    assert check["status"] == "ok"
    assert check["ready"] == 0


def test_an_event_writer_that_falls_behind_is_unavailable(store_dir, settings, world):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_MAX_BACKLOG": 10}
    services.event_store_close()
    store = services.event_store(organization_id=world.unit.pk)
    now = datetime.now(UTC)
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "unit_id": f"u{i}",
            "name": "visit",
            "timestamp": (now - timedelta(minutes=i)).isoformat(),
        }
        for i in range(9)
    ]
    store.accept(events)
    response = _readyz()
    assert response.status_code == 503
    check = response.json()["checks"]["event_writer"]
    assert check["outbox_backlog"] == 9
    assert f"org-{world.unit.pk}" in check["error"]
    store.flush()
    assert _readyz().status_code == 200


def test_too_little_free_disk_is_unavailable_naming_the_place(store_dir, settings):
    settings.CIVICLOOP_READY_MIN_FREE_BYTES = 2**62
    response = _readyz()
    assert response.status_code == 503
    check = response.json()["checks"]["disk"]
    assert check["status"] == "unavailable"
    assert str(store_dir) in check["error"]


def test_healthz_stays_answering_what_is_reachable(store_dir):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_livez_answers_while_the_database_is_down(monkeypatch):
    with database_down(monkeypatch):
        response = Client(raise_request_exception=False).get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
