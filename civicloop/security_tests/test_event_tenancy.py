"""Review F2 and F17: the event store has a tenant.

Through the HTTP API, with two organisations' write keys: another organisation's events never
change an experiment's results (exposures naming its key, outcome events for its units), never
make its events be dropped as duplicates, and experiment keys are unique per organisation
without the "already exists" error revealing another organisation's keys.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicloop.analytics import services as analytics_services
from civicloop.core.models import Organization

pytestmark = pytest.mark.django_db

KEY = "licence-sms-reminder"
START = datetime.now(UTC) - timedelta(days=5)


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    yield tmp_path / "events"
    analytics_services.event_store_close()


def _api(client, method, path, key, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def _experiment(client, key: str, agency: Organization, experiment_key: str = KEY) -> int:
    """A running A/B experiment of the key's organisation, built through the API."""
    r = _api(
        client,
        "post",
        "/metrics",
        key,
        {"key": "renewed", "name": "Renewed", "aggregation": "any", "event_name": "renewed"},
    )
    assert r.status_code == 201, r.content
    metric = r.json()["id"]
    r = _api(
        client,
        "post",
        "/services",
        key,
        {
            "name": "Licence renewal",
            "owner_agency_id": agency.pk,
            "annual_volume": 1000,
            "cost_per_transaction": "1",
        },
    )
    assert r.status_code == 201, r.content
    r = _api(
        client,
        "post",
        f"/services/{r.json()['id']}/iterations",
        key,
        {
            "title": "SMS",
            "what_changes": "An SMS",
            "hypothesis_change": "send an SMS",
            "hypothesis_metric": "renewals",
            "hypothesis_group": "shopkeepers",
            "hypothesis_effect": "5 points",
            "hypothesis_because": "people forget",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "evaluation_plan": "A/B",
        },
    )
    assert r.status_code == 201, r.content
    r = _api(
        client,
        "post",
        "/experiments",
        key,
        {
            "iteration_id": r.json()["id"],
            "key": experiment_key,
            "title": "SMS reminder",
            "design": "ab",
            "analysis_plan": "Proportions test",
            "variants": [{"key": "control"}, {"key": "sms"}],
            "min_units_per_variant": 5,
            "metrics": [{"metric_id": metric, "role": "primary"}],
        },
    )
    assert r.status_code == 201, r.content
    experiment_id = r.json()["id"]
    assert _api(client, "post", f"/experiments/{experiment_id}/start", key).status_code == 200
    return experiment_id


def _exposure(unit: str, variant: str, minutes: int, experiment: str = KEY, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": unit,
        "name": "$exposure",
        "timestamp": (START + timedelta(minutes=minutes)).isoformat(),
        "properties": {"experiment": experiment, "variant": variant},
        **extra,
    }


def _renewal(unit: str, minutes: int, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "unit_id": unit,
        "name": "renewed",
        "timestamp": (START + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }


def _send(client, key, events) -> dict:
    r = _api(client, "post", "/events", key, events)
    assert r.status_code == 202, r.content
    assert r.json()["rejected"] == []
    return r.json()


def _results(client, key, experiment_id, capture) -> dict:
    with capture(execute=True):
        assert _api(client, "post", f"/experiments/{experiment_id}/refresh", key).status_code == 202
    r = _api(client, "get", f"/experiments/{experiment_id}/results", key)
    assert r.status_code == 200, r.content
    return r.json()["payload"]


def _a_traffic() -> list[dict]:
    """Organisation A's own service: 60 units per variant, a third of them renew."""
    events = []
    for i in range(120):
        unit, variant = f"shop-{i}", ("control", "sms")[i % 2]
        events.append(_exposure(unit, variant, i))
        if i % 3 == 0:
            events.append(_renewal(unit, i + 60))
    return events


def test_another_organisations_exposures_leave_results_and_srm_unchanged(
    world, store_dir, client, django_capture_on_commit_callbacks
):
    a_key, b_key = world.api_key(), world.api_key(org=world.other_unit)
    experiment_id = _experiment(client, a_key, world.agency)
    _send(client, a_key, _a_traffic())
    before = _results(client, a_key, experiment_id, django_capture_on_commit_callbacks)
    assert before["counts"] == {"control": 60, "sms": 60}

    # The review's attack: B's key sends exposures naming A's experiment key (202 accepted,
    # into B's own store), new units and A's own units, plus outcome events for A's units.
    injected = [_exposure(f"b-injected-{i}", "control", 200 + i) for i in range(800)]
    injected += [_exposure(f"shop-{i}", "sms", 300) for i in range(0, 120, 2)]  # A's controls
    injected += [_renewal(f"shop-{i}", 400) for i in range(120)]
    for first in range(0, len(injected), 1000):
        assert _send(client, b_key, injected[first : first + 1000])["accepted"] > 0

    after = _results(client, a_key, experiment_id, django_capture_on_commit_callbacks)
    assert after["counts"] == before["counts"]
    assert after["srm"] == before["srm"]
    assert after["srm"]["p_value"] > 0.001
    assert after["metrics"] == before["metrics"]


def test_an_event_id_first_sent_by_another_organisation_is_not_a_duplicate(
    world, store_dir, client, django_capture_on_commit_callbacks
):
    a_key, b_key = world.api_key(), world.api_key(org=world.other_unit)
    experiment_id = _experiment(client, a_key, world.agency)
    known = "3f1c1b9e-0000-4000-8000-00000000a001"
    assert _send(client, b_key, [_renewal("b-unit", 1, event_id=known)]) == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [],
    }
    events = _a_traffic()
    events[0]["event_id"] = known  # A's first exposure carries the id B sent first
    answer = _send(client, a_key, events)
    assert answer["duplicates"] == 0
    assert answer["accepted"] == len(events)
    payload = _results(client, a_key, experiment_id, django_capture_on_commit_callbacks)
    assert payload["counts"] == {"control": 60, "sms": 60}  # shop-0's exposure was kept
    # Within one organisation the ledger still drops repeats.
    assert _send(client, a_key, events[:3])["duplicates"] == 3


def test_two_organisations_may_use_the_same_experiment_key(world, store_dir, client):
    a_key, b_key = world.api_key(), world.api_key(org=world.other_unit)
    _experiment(client, a_key, world.agency)
    _experiment(client, b_key, world.other_unit_agency)  # F17: was 422 "already exists"
    for key in (a_key, b_key):
        r = _api(client, "get", f"/experiments/{KEY}/assignment?unit_id=shop-1", key)
        assert r.status_code == 200
        assert r.json()["in_experiment"] is True


def test_the_already_exists_error_speaks_only_of_the_actors_own_keys(world, store_dir, client):
    a_key, b_key = world.api_key(), world.api_key(org=world.other_unit)
    _experiment(client, a_key, world.agency, experiment_key="a-only")
    _experiment(client, b_key, world.other_unit_agency, experiment_key="b-own")

    def create(experiment_key: str):
        r = _api(client, "get", "/experiments", b_key)
        iteration_id = r.json()["items"][0]["iteration_id"]
        metric_id = _api(client, "get", "/metrics", b_key).json()["items"][0]["id"]
        return _api(
            client,
            "post",
            "/experiments",
            b_key,
            {
                "iteration_id": iteration_id,
                "key": experiment_key,
                "title": "Again",
                "design": "ab",
                "analysis_plan": "Proportions test",
                "variants": [{"key": "control"}, {"key": "sms"}],
                "metrics": [{"metric_id": metric_id, "role": "primary"}],
            },
        )

    assert create("a-only").status_code == 201  # A's key tells B nothing
    assert create("never-used").status_code == 201
    r = create("b-own")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "key",
            "message": "Your unit already has an experiment with the key 'b-own'; choose another.",
        }
    ]


def test_a_refresh_reads_only_its_organisations_events(
    world, store_dir, client, django_capture_on_commit_callbacks
):
    a_key, b_key = world.api_key(), world.api_key(org=world.other_unit)
    a_experiment = _experiment(client, a_key, world.agency)
    b_experiment = _experiment(client, b_key, world.other_unit_agency)
    _send(client, a_key, _a_traffic())
    # B's service: the same unit ids and key, 10 units per variant, other renewals.
    b_events = []
    for i in range(20):
        b_events.append(_exposure(f"shop-{i}", ("sms", "control")[i % 2], i))
        if (i % 2 and i % 4 == 1) or (i % 2 == 0 and i % 3):
            b_events.append(_renewal(f"shop-{i}", i + 30))
    _send(client, b_key, b_events)

    a = _results(client, a_key, a_experiment, django_capture_on_commit_callbacks)
    b = _results(client, b_key, b_experiment, django_capture_on_commit_callbacks)
    assert a["counts"] == {"control": 60, "sms": 60}
    assert b["counts"] == {"control": 10, "sms": 10}
    a_control = a["metrics"]["renewed"]["variants"][0]["mean_control"]
    b_control = b["metrics"]["renewed"]["variants"][0]["mean_control"]
    assert a_control == pytest.approx(20 / 60)  # shop-0, 6, 12 … of the controls renewed
    assert b_control == pytest.approx(0.5)  # shop-1, 5, 9, 13, 17 of its 10 controls


def test_imported_events_go_to_the_named_organisation_only(
    world, store_dir, client, tmp_path, django_capture_on_commit_callbacks
):
    a_key = world.api_key()
    experiment_id = _experiment(client, a_key, world.agency)
    _send(client, a_key, _a_traffic())
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join(json.dumps(_exposure(f"x{i}", "control", i)) for i in range(50)))
    with pytest.raises(CommandError):
        call_command("import_events", str(path), "--no-progress")  # --org is required
    call_command("import_events", str(path), "--org", world.other_unit.slug, "--no-progress")
    payload = _results(client, a_key, experiment_id, django_capture_on_commit_callbacks)
    assert payload["counts"] == {"control": 60, "sms": 60}
