"""The audit log as an auditor reads it: human labels, filters, a before/after page, a CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from civicloop.core import services
from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.models import AuditEvent, OrganizationKind
from civicloop.web.tests.paging import body

RAW = re.compile(r"person:\d|apikey:\w|\b[a-z]+\.[a-z_]+ \d+\b")


@pytest.fixture
def logged(world):
    """A key created by the operator and revoked by staff, and a weights change by staff:
    three events of the unit (and one of another unit)."""
    staff = world.principal("staff")
    key = services.apikey_create(
        actor=None, organization=world.unit, name="CI pipeline", scope="read"
    )
    services.apikey_revoke(actor=staff, api_key=key.api_key)
    services.unit_weights_update(
        actor=staff, unit=world.unit, weights={"impact": 2, "reach": 1, "urgency": 1, "effort": 1}
    )
    audit_record(actor=None, action="test.theirs", organization=world.other_unit)
    return key


def _rows(response):
    return re.findall(r'href="/audit/(\d+)/"', response.content.decode())


def test_audit_log_names_people_actions_and_objects_in_words(world, logged):
    body = world.client("auditor").get("/audit/").content.decode()
    staff = world.people["staff"]
    assert staff.display_name in body
    assert "API key “CI pipeline (" in body
    assert "Settings: API key created" in body
    text = re.sub(r"<[^>]+>", " ", body)
    assert not RAW.search(text), RAW.search(text)


def test_audit_log_filters_by_actor_action_object_and_period(world, logged):
    client = world.client("auditor")
    staff = world.people["staff"]
    everything = _rows(client.get("/audit/"))
    assert len(everything) == 3  # the other unit's event is not listed
    by_action = _rows(client.get("/audit/", {"action": CoreEvent.API_KEY_REVOKED}))
    assert len(by_action) == 1
    by_actor = _rows(client.get("/audit/", {"actor": staff.pk}))
    assert len(by_actor) == 2  # the key was created by the operator (the system)
    by_other_actor = _rows(client.get("/audit/", {"actor": world.people["auditor"].pk}))
    assert by_other_actor == []  # not among the log's actors: refused, and nothing listed
    key_events = _rows(
        client.get("/audit/", {"object_type": "core.apikey", "object_id": str(logged.api_key.pk)})
    )
    assert len(key_events) == 2
    today = timezone.localdate()
    assert len(_rows(client.get("/audit/", {"since": today.isoformat()}))) == 3
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _rows(client.get("/audit/", {"since": tomorrow})) == []


def test_audit_log_refuses_a_period_that_ends_before_it_starts(world, logged):
    response = world.client("auditor").get(
        "/audit/", {"since": "2026-03-02", "until": "2026-03-01"}
    )
    assert "The end of the period must not be before its start." in response.content.decode()


def test_period_filter_counts_days_in_the_viewers_zone(world, monkeypatch):
    """An event at 23:30 UTC on 1 March is on 2 March in Madrid (CET, UTC+1)."""
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("civicloop.core.audit.timezone.now", lambda: late)
    event = audit_record(actor=None, action="test.late", organization=world.unit)
    monkeypatch.undo()
    world.people["auditor"].time_zone = "Europe/Madrid"
    world.people["auditor"].save()
    client = world.client("auditor")
    assert _rows(client.get("/audit/", {"since": "2026-03-02", "until": "2026-03-02"})) == [
        str(event.sequence)
    ]
    assert _rows(client.get("/audit/", {"since": "2026-03-01", "until": "2026-03-01"})) == []


def test_before_and_after_page_shows_what_changed(world, logged):
    event = AuditEvent.objects.get(action=CoreEvent.SETTINGS_CHANGED)
    response = world.client("auditor").get(f"/audit/{event.sequence}/")
    assert response.status_code == 200
    body = response.content.decode()
    diff = body[body.index('id="audit-diff"') :]
    assert "Prioritisation weights" in diff
    assert "<ins>Effort: 1.0; Impact: 2.0; Reach: 1.0; Urgency: 1.0</ins>" in diff
    assert "changed" in diff


def test_before_and_after_page_of_another_units_event_is_404(world, logged):
    theirs = AuditEvent.objects.get(action="test.theirs")
    assert world.client("auditor").get(f"/audit/{theirs.sequence}/").status_code == 404
    ours = AuditEvent.objects.filter(organization=world.unit).earliest("sequence")
    assert world.client("outsider").get(f"/audit/{ours.sequence}/").status_code == 404
    assert world.client("vendor").get(f"/audit/{ours.sequence}/").status_code == 404


def test_csv_export_names_the_actor_and_the_object(world, logged):
    response = world.client("auditor").get("/audit/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    staff = world.people["staff"]
    revoked = next(r for r in rows if r["action"] == CoreEvent.API_KEY_REVOKED)
    assert revoked["actor"] == staff.display_name
    assert revoked["actor_person_id"] == str(staff.pk)
    assert revoked["object"].startswith("API key “CI pipeline (")
    created = next(r for r in rows if r["action"] == CoreEvent.API_KEY_CREATED)
    assert created["actor"] == "System" and created["actor_person_id"] == ""
    assert not any(RAW.search(r["actor"]) or RAW.search(r["object"]) for r in rows)


def test_csv_export_keeps_the_filters(world, logged):
    response = world.client("auditor").get(
        "/audit/", {"format": "csv", "action": CoreEvent.API_KEY_REVOKED}
    )
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert [r["action"] for r in rows] == [CoreEvent.API_KEY_REVOKED]


def test_an_api_key_and_the_system_are_named_in_words(world):
    from civicloop.web.labels import actor

    assert actor(None, "system") == "System"
    assert actor(None, "apikey:ab12cd") == "API key ab12cd…"
    assert actor(None, f"person:{world.people['staff'].pk}") == world.people["staff"].display_name
    assert "person:" not in actor(None, "person:999999")
    assert world.unit.kind == OrganizationKind.UNIT


def _sequences(response) -> list[int]:
    return [int(s) for s in _rows(response)]


def _link(response, text: str) -> str | None:
    found = re.search(r'href="(\?[^"]*)"[^>]*>(?:<span[^>]*>)?' + text, response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def test_older_links_walk_every_event_once_and_the_oldest_page_ends_the_log(world):
    for _ in range(120):
        audit_record(actor=None, action="test.paged", organization=world.unit)
    audit_record(actor=None, action="test.theirs", organization=world.other_unit)
    client = world.client("auditor")
    mine = list(
        AuditEvent.objects.filter(organization=world.unit, action="test.paged")
        .order_by("-sequence")
        .values_list("sequence", flat=True)
    )
    page = client.get("/audit/", {"action": "test.paged"})
    seen = _sequences(page)
    assert len(seen) == 50 and _link(page, "Newer entries") is None
    while (older := _link(page, "Older entries")) is not None:
        assert "action=test.paged" in older  # the filter is kept
        page = client.get("/audit/" + older)
        seen += _sequences(page)
    assert seen == mine  # newest first, each once, none of the other unit's
    oldest = client.get("/audit/", {"action": "test.paged", "oldest": "1"})
    assert _sequences(oldest) == mine[-50:]
    assert _link(oldest, "Older entries") is None
    back = _link(oldest, "Newer entries")
    assert back is not None
    newer = client.get("/audit/" + back)
    assert _sequences(newer) == mine[-100:-50]
