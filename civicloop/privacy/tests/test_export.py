"""A signed-in person downloads everything CivicLoop holds about them (GDPR Arts. 15, 20)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from civicloop.core.models import ApiKey, AuditEvent, Person
from civicloop.core.services import apikey_create
from civicloop.market.tests.factories import (
    CANARY,
    RIVAL_CANARY,
    open_challenge,
    rival_vendor,
    submit,
)

PASSWORD = "correct-horse-battery"  # noqa: S105 - the factories' test password


@pytest.fixture
def signed_in_staff(world):
    # allauth rate-limits sign-ins per address in the cache: other tests' sign-ins in the same
    # process (all from 127.0.0.1, within a minute) must not refuse this one
    cache.clear()
    client = Client()
    client.post("/accounts/login/", {"login": "staff@example.org", "password": PASSWORD})
    return client


def test_the_page_and_the_api_give_the_same_json(world, signed_in_staff, settings):
    # Minting a key needs a second factor; this test is about the export, so exempt the person.
    settings.CIVICLOOP_MFA_EXEMPT_EMAILS = ["staff@example.org"]
    created = apikey_create(
        actor=world.principal("staff"), organization=world.unit, name="Nightly ETL", scope="read"
    )
    page = signed_in_staff.get("/settings/my-data/")
    assert page.status_code == 200
    download = signed_in_staff.get("/settings/my-data/", {"format": "json"})
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert data["person"]["email"] == "staff@example.org"
    assert data["memberships"] == [
        {
            "organization_id": world.unit.pk,
            "organization": "Test Unit",
            "organization_kind": "unit",
            "role": "unit_staff",
            "since": data["memberships"][0]["since"],
        }
    ]
    assert [k["name"] for k in data["api_keys_created"]] == ["Nightly ETL"]
    assert "core.api_key_created" in {e["action"] for e in data["audit_events_as_actor"]}
    assert len(data["sign_in_history"]) == 1
    assert data["sign_in_history"][0]["ip_address"] == "127.0.0.1"
    text = download.content.decode()
    key = ApiKey.objects.get(pk=created.api_key.pk)
    assert key.key_hash not in text and created.secret not in text
    assert Person.objects.get(email="staff@example.org").password not in text
    assert "password" not in data["person"]

    api = signed_in_staff.get("/api/v1/me/data")
    assert api.status_code == 200
    assert api.json()["person"] == data["person"]
    assert AuditEvent.objects.filter(action="core.personal_data_exported").count() == 2


def test_a_vendor_sees_their_proposals_but_never_sealed_content_of_others(world):
    challenge, phase = open_challenge(world)
    own = submit(world, challenge, phase, world.company, CANARY)
    rival = rival_vendor()
    submit(rival.person, challenge, phase, rival.company, RIVAL_CANARY)
    data = world.client("vendor").get("/api/v1/me/data").json()
    assert [p["id"] for p in data["proposals_submitted"]] == [own.pk]
    assert data["proposals_submitted"][0]["price"] == "40000.00"
    text = json.dumps(data)
    assert RIVAL_CANARY not in text and CANARY not in text  # content is never exported
    assert "rival@example.org" not in text
    staff_data = world.client("staff").get("/api/v1/me/data").json()
    assert staff_data["proposals_submitted"] == []


def test_api_keys_and_anonymous_callers_get_no_personal_export(world):
    key = world.api_key("write")
    by_key = Client().get("/api/v1/me/data", headers={"authorization": f"Bearer {key}"})
    assert by_key.status_code == 403
    assert by_key["Content-Type"] == "application/problem+json"
    assert Client().get("/api/v1/me/data").status_code == 401
    assert Client().get("/settings/my-data/").status_code == 302  # to sign-in
    assert not AuditEvent.objects.filter(action="core.personal_data_exported").exists()


def test_the_menu_offers_the_pages_to_whom_they_serve(world):
    staff_page = world.client("staff").get("/settings/my-data/").content.decode()
    assert "/settings/data-subject-requests/" in staff_page
    vendor_page = world.client("vendor").get("/settings/my-data/").content.decode()
    assert "/settings/data-subject-requests/" not in vendor_page
