"""One time zone per person: their own, else their organisation's, else the installation's.
Stored times stay UTC; pages show them in the zone with its abbreviation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.core import services
from civicloop.core.events import CoreEvent
from civicloop.core.models import AuditEvent, Person


def _zone_line(client) -> str:
    body = client.get("/settings/account/").content.decode()
    start = body.index('id="current-zone"')
    return body[start : body.index("</p>", start)]


def test_account_page_sets_the_persons_zone_and_every_page_follows(world):
    client = world.client("staff")
    assert "Europe/Madrid" in _zone_line(client)  # the installation's, by default (settings)
    response = client.post("/settings/account/", {"form": "own", "own-time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert Person.objects.get(pk=world.people["staff"].pk).time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo" in _zone_line(client) and " JST" in _zone_line(client)
    event = AuditEvent.objects.get(action=CoreEvent.SETTINGS_CHANGED)
    assert event.before == {"time_zone": ""} and event.after == {"time_zone": "Asia/Tokyo"}


def test_an_unknown_zone_is_refused_naming_the_field(world):
    with pytest.raises(ValidationError) as error:
        services.person_time_zone_set(actor=world.principal("staff"), time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    response = world.client("staff").post(
        "/settings/account/", {"form": "own", "own-time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_organisations_zone_is_the_default_and_a_persons_own_wins(world):
    staff = world.principal("staff")
    services.unit_time_zone_set(actor=staff, unit=world.unit, time_zone="America/New_York")
    client = world.client("auditor")  # signs in after the change: their unit's zone
    assert "America/New_York" in _zone_line(client)
    client.post("/settings/account/", {"form": "own", "own-time_zone": "Europe/Lisbon"})
    assert "Europe/Lisbon" in _zone_line(client)
    client.post("/settings/account/", {"form": "own", "own-time_zone": ""})
    assert "America/New_York" in _zone_line(client)


def test_only_unit_settings_managers_set_the_units_zone(world):
    for role in ("auditor", "evaluator", "vendor"):
        response = world.client(role).post(
            "/settings/account/", {"form": "unit", "unit-time_zone": "Asia/Tokyo"}
        )
        assert response.status_code == 404, role
    with pytest.raises(Http404):
        services.unit_time_zone_set(
            actor=world.principal("outsider"), unit=world.unit, time_zone="Asia/Tokyo"
        )
    world.unit.refresh_from_db()
    assert world.unit.time_zone == ""
    response = world.client("staff").post(
        "/settings/account/", {"form": "unit", "unit-time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    world.unit.refresh_from_db()
    assert world.unit.time_zone == "Asia/Tokyo"


def test_the_account_page_needs_a_sign_in(world):
    response = world.client(None).get("/settings/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
