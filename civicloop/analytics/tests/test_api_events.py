"""The events API (POST /api/v1/events), the assignment endpoint and metric definitions."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.analytics import services
from civicloop.analytics.assignment import assign
from civicloop.experiments import services as exp_services
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


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


def _event(**overrides) -> dict:
    event = {
        "event_id": str(uuid.uuid4()),
        "unit_id": "person-1",
        "name": "form_submitted",
        "timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "value": 1.5,
    }
    event.update(overrides)
    return event


def _post(client, key, body, **extra):
    payload = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        "/api/v1/events",
        data=payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **extra,
    )


def test_batch_answers_202_with_counts_and_resending_adds_nothing(world, store_dir, client):
    key = world.api_key()
    batch = [_event() for _ in range(5)]
    r = _post(client, key, batch)
    assert r.status_code == 202
    assert r.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    r = _post(client, key, {"events": batch + [_event()]})
    assert r.json() == {"accepted": 1, "duplicates": 5, "rejected": []}
    store = services.event_store(organization_id=world.unit.pk)
    store.flush()
    assert store.count() == 6


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (_event(event_id="not-a-uuid"), "event_id must be a UUID"),
        (_event(timestamp="2026-01-01T10:00:00"), "timestamp must be ISO 8601 with a time zone"),
        (
            _event(timestamp=(datetime.now(UTC) + timedelta(days=3)).isoformat()),
            "timestamp is more than 24 hours in the future",
        ),
        (_event(unit_id=""), "unit_id must be a non-empty string"),
        (_event(value="high"), "value must be a finite number or null"),
        (
            _event(name="$exposure", properties={"experiment": "x"}),
            "a $exposure event needs string properties 'experiment' and 'variant'",
        ),
        (_event(colour="red"), "unknown field 'colour'"),
    ],
)
def test_each_rejection_names_its_reason_and_the_rest_is_kept(
    world, store_dir, client, event, reason
):
    r = _post(client, world.api_key(), [_event(), event, _event()])
    assert r.status_code == 202
    body = r.json()
    assert body["accepted"] == 2
    assert body["rejected"] == [{"index": 1, "reason": body["rejected"][0]["reason"]}]
    assert body["rejected"][0]["reason"].startswith(reason)


def test_oversized_batches_are_refused_whole(world, store_dir, client):
    key = world.api_key()
    r = _post(client, key, [_event() for _ in range(1001)])
    assert r.status_code == 413
    assert "at most 1000 events" in r.json()["detail"]
    big = [_event(properties={"note": "x" * 30_000}) for _ in range(40)]
    r = _post(client, key, big)
    assert r.status_code == 413
    services.event_store(organization_id=world.unit.pk).flush()
    assert services.event_store(organization_id=world.unit.pk).count() == 0


def test_malformed_json_is_a_400_problem(world, store_dir, client):
    r = _post(client, world.api_key(), b"[{not json")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/problem+json"


def test_backpressure_answers_429_with_retry_after_and_stores_nothing(
    world, store_dir, client, settings
):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_MAX_BACKLOG": 10}
    services.event_store_close()
    key = world.api_key()
    assert _post(client, key, [_event() for _ in range(8)]).status_code == 202
    r = _post(client, key, [_event() for _ in range(5)])
    assert r.status_code == 429
    assert int(r["Retry-After"]) >= 1
    assert services.event_store(organization_id=world.unit.pk).outbox.backlog() == 8
    services.event_store(
        organization_id=world.unit.pk
    ).flush()  # the writer catches up: the same batch now goes in
    assert _post(client, key, [_event() for _ in range(5)]).status_code == 202


def test_only_write_keys_of_a_unit_send_events(world, store_dir, client):
    assert _post(client, world.api_key(scope="read"), [_event()]).status_code == 403
    assert _post(client, world.api_key(org=world.agency), [_event()]).status_code == 403
    assert (
        client.post("/api/v1/events", data="[]", content_type="application/json").status_code == 401
    )


def test_assignment_endpoint_equals_the_sdk(world, store_dir, client):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "renewed")
    exp = f.ab_experiment(
        staff,
        it,
        [(metric, "primary", None)],
        key="three-arms",
        variants=[
            {"key": "control", "weight": 2},
            {"key": "a", "weight": 1},
            {"key": "b", "weight": 1},
        ],
        traffic_bp=8000,
        salt="s1",
    )
    key = world.api_key()
    url = "/api/v1/experiments/three-arms/assignment?unit_id="
    r = client.get(url + "u1", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.json()["variant"] is None  # a draft experiment assigns nobody
    exp_services.experiment_start(actor=staff, experiment=exp)
    config = exp_services.experiment_assignment_config(exp)
    seen = set()
    for i in range(30):
        unit = f"citizen-{i}"
        body = client.get(url + unit, HTTP_AUTHORIZATION=f"Bearer {key}").json()
        expected = assign(config, unit)
        assert body["variant"] == (expected.variant if expected else None)
        assert body["in_experiment"] is (expected is not None)
        seen.add(body["variant"])
    assert seen == {"control", "a", "b", None}  # 20% of traffic is outside the experiment
    assert (
        client.get(
            url + "u1", HTTP_AUTHORIZATION=f"Bearer {world.api_key(org=world.other_unit)}"
        ).status_code
        == 404
    )


def test_metrics_api_creates_and_validates(world, client):
    key = world.api_key()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "content_type": "application/json"}
    r = client.post(
        "/api/v1/metrics",
        data=json.dumps(
            {"key": "calls", "name": "Calls", "aggregation": "count", "event_name": "call"}
        ),
        **headers,
    )
    assert r.status_code == 201
    calls = r.json()["id"]
    r = client.post(
        "/api/v1/metrics",
        data=json.dumps(
            {
                "key": "cost-per-call",
                "name": "Cost per call",
                "aggregation": "ratio",
                "numerator_id": calls,
            }
        ),
        **headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "denominator"
    r = client.post(
        "/api/v1/metrics",
        data=json.dumps(
            {"key": "calls", "name": "Again", "aggregation": "count", "event_name": "call"}
        ),
        **headers,
    )
    assert r.status_code == 422  # keys are unique per unit
    listed = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [m["key"] for m in listed["items"]] == ["calls"]
    other = world.api_key(org=world.other_unit)
    assert (
        client.get(f"/api/v1/metrics/{calls}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code
        == 404
    )


def test_import_events_command_is_idempotent(world, store_dir, tmp_path, capsys):
    path = tmp_path / "log.jsonl"
    rows = [_event(unit_id=f"p{i}") for i in range(30)] + [_event(event_id="bad")]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    # A rejected row makes the command fail (exit status 1), after importing the others.
    with pytest.raises(CommandError, match="1 rows were rejected"):
        call_command("import_events", str(path), "--org", world.unit.slug, "--no-progress")
    assert "accepted 30, duplicates 0, rejected 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="1 rows were rejected"):
        call_command("import_events", str(path), "--org", world.unit.slug, "--no-progress")
    assert "accepted 0, duplicates 30, rejected 1" in capsys.readouterr().out
    assert services.event_store(organization_id=world.unit.pk).count() == 30
