"""One event store per organisation: ledgers, events and roll-ups never mix; stores created
before organisations are adopted by one unit (docs/analytics/store.md)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.analytics import services
from civicloop.analytics.engine import EventStore, MetricDefinition, variant_statistics
from civicloop.analytics.store.tenants import TenantStores
from civicloop.core.models import Role
from civicloop.core.tests.factories import MembershipFactory
from civicloop.experiments import services as exp_services
from civicloop.experiments.tests import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
RENEWED = MetricDefinition(key="renewed", aggregation="any", event_name="renewed")


def _event(unit: str, name: str, minutes: int, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": unit,
        "name": name,
        "timestamp": (NOW - timedelta(days=2) + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }


def _exposure(unit: str, variant: str, minutes: int, experiment: str = "exp", **extra) -> dict:
    properties = {"experiment": experiment, "variant": variant}
    return _event(unit, "$exposure", minutes, properties=properties, **extra)


def _traffic(units: int, renew_every: int, experiment: str = "exp") -> list[dict]:
    events = []
    for i in range(units):
        events.append(_exposure(f"u{i}", ("control", "sms")[i % 2], i, experiment))
        if i % renew_every == 0:
            events.append(_event(f"u{i}", "renewed", i + 30))
    return events


def test_organisations_have_separate_ledgers_events_and_rollups(tmp_path):
    stores = TenantStores(tmp_path, clock=lambda: NOW)
    a_events = _traffic(40, renew_every=2)
    b_events = [dict(e) for e in a_events[:10]]  # the same ids, sent by another organisation
    for event in b_events:
        event["unit_id"] = "b-" + event["unit_id"]
    assert stores.get(1).accept(b_events).accepted == 10
    assert stores.get(2).accept(a_events).accepted == len(a_events)  # none is a duplicate
    assert stores.get(2).accept(a_events[:5]).duplicates == 5  # within one: still idempotent
    assert stores.flush_all() == 10 + len(a_events)
    assert (tmp_path / "org-1" / "events.duckdb").exists()
    assert (tmp_path / "org-2" / "outbox.sqlite").exists()
    assert stores.get(1).count() == 10
    assert stores.get(2).count() == len(a_events)
    a_stats = variant_statistics(stores.get(2), "exp", [RENEWED])
    b_stats = variant_statistics(stores.get(1), "exp", [RENEWED])
    assert a_stats["control"]["renewed"].n == 20
    assert b_stats["control"]["renewed"].n + b_stats["sms"]["renewed"].n == 7  # 7 exposures
    stores.close()


def test_the_writer_finds_stores_that_intake_processes_created(tmp_path):
    intake = TenantStores(tmp_path, clock=lambda: NOW)
    intake.get(7).accept(_traffic(10, renew_every=3))
    intake.close()
    writer = TenantStores(tmp_path, clock=lambda: NOW)
    assert writer.organization_ids() == [7]
    assert writer.flush_all() == 14
    writer.close()


@pytest.mark.parametrize("bad", [0, -3, True, "1"])
def test_a_store_path_is_only_ever_built_from_a_positive_id(tmp_path, bad):
    with pytest.raises((TypeError, ValueError)):
        TenantStores(tmp_path).path_for(bad)


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


def _post(client, body, query=""):
    return client.post(
        f"/api/v1/events{query}", data=json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
def test_a_person_in_several_units_says_which_unit_sends(world, store_dir):
    MembershipFactory.create(
        person=world.people["staff"], organization=world.other_unit, role=Role.UNIT_STAFF
    )
    client = world.client("staff")
    batch = [_event("p1", "visit", 1)]
    r = _post(client, batch)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "organization_id"
    r = _post(client, batch, f"?organization_id={world.company.pk}")
    assert r.status_code == 404  # not one of theirs: as if absent, nothing stored anywhere
    assert services.event_stores().organization_ids() == []
    r = _post(client, batch, f"?organization_id={world.other_unit.pk}")
    assert r.json()["accepted"] == 1
    assert services.event_stores().organization_ids() == [world.other_unit.pk]


@pytest.mark.django_db
def test_a_person_in_one_unit_sends_for_it(world, store_dir):
    r = _post(world.client("staff"), [_event("p1", "visit", 1)])
    assert r.status_code == 202
    assert services.event_stores().organization_ids() == [world.unit.pk]
    assert _post(world.client("auditor"), [_event("p1", "visit", 1)]).status_code == 403


def _running(world, role: str, unit, agency, key: str = "exp"):
    actor = world.principal(role)
    metric = f.metric(actor, unit, "renewed", aggregation="any", event_name="renewed")
    experiment = f.ab_experiment(
        actor,
        f.iteration(actor, f.service(actor, unit, agency)),
        [(metric, "primary", None)],
        key=key,
        min_units_per_variant=5,
    )
    return exp_services.experiment_start(actor=actor, experiment=experiment)


def _legacy_store(root, events: list[dict], *, pending: int = 0) -> None:
    """A store as the code before organisations wrote it: files directly in the root."""
    legacy = EventStore(root, clock=lambda: datetime.now(UTC))
    flushed = events[: len(events) - pending]
    for first in range(0, len(flushed), 1000):
        legacy.accept(flushed[first : first + 1000])
    legacy.flush()
    if pending:
        legacy.accept(events[-pending:])  # accepted, never flushed by the old writer
    legacy.close()


def _warnings() -> list[str]:
    return [m.id for m in checks.run_checks(tags=["civicloop"]) if m.id]


@pytest.mark.django_db
def test_a_legacy_store_is_adopted_by_the_only_unit_its_exposures_name(world, store_dir, capsys):
    experiment = _running(world, "staff", world.unit, world.agency)
    events = _traffic(40, renew_every=2)
    _legacy_store(store_dir, events, pending=5)
    assert "civicloop.W101" in _warnings()
    call_command("events", "status")
    assert "exp: 40 exposures -> test-unit" in capsys.readouterr().out

    call_command("events", "adopt-legacy")
    out = capsys.readouterr().out
    assert f"adopted {len(events)} events for test-unit (org-{world.unit.pk}): moved" in out
    assert not (store_dir / "events.duckdb").exists()
    assert not (store_dir / "outbox.sqlite").exists()
    assert "civicloop.W101" not in _warnings()
    snapshot = exp_services.experiment_refresh(experiment=experiment)
    assert snapshot.payload["counts"] == {"control": 20, "sms": 20}
    # The ledger came along: the unit re-sending a legacy event gets "duplicate".
    r = world.client("staff").post(
        "/api/v1/events", data=json.dumps(events[:3]), content_type="application/json"
    )
    assert r.json()["duplicates"] == 3
    # Another unit's ledger never knew these ids.
    other = services.event_store(organization_id=world.other_unit.pk)
    assert other.accept(events[:3]).accepted == 3


@pytest.mark.django_db
def test_adoption_refuses_when_exposures_name_other_units_experiments(world, store_dir):
    _running(world, "staff", world.unit, world.agency, key="a-exp")
    _running(world, "outsider", world.other_unit, world.other_unit_agency, key="b-exp")
    _legacy_store(store_dir, _traffic(10, 2, "a-exp") + _traffic(10, 2, "b-exp"))
    with pytest.raises(CommandError, match=f"units {world.unit.pk}, {world.other_unit.pk}"):
        call_command("events", "adopt-legacy")
    with pytest.raises(CommandError, match=r"other units' experiments \(b-exp\)"):
        call_command("events", "adopt-legacy", "--org", world.unit.slug)
    with pytest.raises(CommandError, match="not a transformation unit"):
        call_command("events", "adopt-legacy", "--org", world.agency.slug, "--force")
    assert (store_dir / "events.duckdb").exists()  # nothing moved
    call_command("events", "adopt-legacy", "--org", world.unit.slug, "--force")
    assert services.event_store(organization_id=world.unit.pk).count() == 30


@pytest.mark.django_db
def test_adoption_merges_into_a_store_the_unit_already_has(world, store_dir, capsys):
    experiment = _running(world, "staff", world.unit, world.agency)
    events = _traffic(40, renew_every=2)
    _legacy_store(store_dir, events[:50])
    store = services.event_store(organization_id=world.unit.pk)
    store.accept(events[40:])  # sent after the upgrade; ten of them were in the legacy store
    store.flush()
    services.event_store_close()
    call_command("events", "adopt-legacy", "--org", world.unit.slug)
    assert "merged (10 duplicates)" in capsys.readouterr().out
    assert services.event_store(organization_id=world.unit.pk).count() == len(events)
    snapshot = exp_services.experiment_refresh(experiment=experiment)
    assert snapshot.payload["counts"] == {"control": 20, "sms": 20}
    assert not list(store_dir.glob(".adopt-*"))


@pytest.mark.django_db
def test_an_interrupted_adoption_is_finished_for_the_same_unit_only(world, store_dir):
    _running(world, "staff", world.unit, world.agency)
    _legacy_store(store_dir, _traffic(20, 2))
    staging = store_dir / f".adopt-org-{world.unit.pk}"
    staging.mkdir()
    (store_dir / "events.duckdb").rename(staging / "events.duckdb")  # crashed mid-way
    assert "civicloop.W101" in _warnings()
    with pytest.raises(CommandError, match=f"organisation {world.unit.pk} was interrupted"):
        call_command("events", "adopt-legacy", "--org", world.other_unit.slug, "--force")
    call_command("events", "adopt-legacy", "--org", world.unit.slug)
    assert services.event_store(organization_id=world.unit.pk).count() == 30
    assert not staging.exists()
