"""API: public reads, citizens' writes with a session, staff moderation with a key or session."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from civicloop.participation.models import Proposal
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, data: dict, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def _proposal_data(world) -> dict:
    return {
        "unit_id": world.unit.pk,
        "kind": "problem",
        "title": "Potholes on the ring road",
        "body": "Deep potholes near exit 4; my number is +34 612 345 678 if you need it.",
        "language": "en",
    }


def test_a_citizen_proposes_and_supports_through_the_api(world, ana, citizen_of):
    client = Client()
    client.force_login(ana.person)
    response = _post(client, "/api/v1/participation/proposals", _proposal_data(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert "612" not in body["body"] and body["redaction_counts"] == {"PHONE": 1}
    proposal = published(world, citizen_of("pub@example.net"))
    response = _post(client, f"/api/v1/participation/proposals/{proposal.pk}/support", {})
    assert response.status_code == 201
    assert response.json() == {"proposal_id": proposal.pk, "status": "counted", "support_count": 1}
    again = _post(client, f"/api/v1/participation/proposals/{proposal.pk}/support", {})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "proposal"
    deleted = client.delete(f"/api/v1/participation/proposals/{proposal.pk}/support")
    assert deleted.status_code == 204
    listing = Client().get("/api/v1/participation/proposals").json()
    assert [(p["id"], p["support_count"]) for p in listing["items"]] == [(proposal.pk, 0)]


def test_writes_need_a_verified_citizen(world, citizen_of):
    assert (
        _post(Client(), "/api/v1/participation/proposals", _proposal_data(world)).status_code == 401
    )
    client = Client()
    client.force_login(citizen_of("late@example.net", verified=False).person)
    response = _post(client, "/api/v1/participation/proposals", _proposal_data(world))
    assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_staff_moderate_and_triage_with_their_unit_s_key(world, ana):
    client = Client()
    client.force_login(ana.person)
    pk = _post(client, "/api/v1/participation/proposals", _proposal_data(world)).json()["id"]
    key = {"HTTP_AUTHORIZATION": f"Bearer {world.api_key()}"}
    other = {"HTTP_AUTHORIZATION": f"Bearer {world.api_key(org=world.other_unit)}"}
    queue = (
        Client()
        .get("/api/v1/participation/moderation", HTTP_AUTHORIZATION=key["HTTP_AUTHORIZATION"])
        .json()
    )
    assert [p["id"] for p in queue["proposals"]] == [pk]
    assert (
        Client()
        .get("/api/v1/participation/moderation", HTTP_AUTHORIZATION=other["HTTP_AUTHORIZATION"])
        .json()["proposals"]
        == []
    )
    url = f"/api/v1/participation/proposals/{pk}/moderation"
    assert _post(Client(), url, {"decision": "publish"}, **other).status_code == 404
    refused = _post(Client(), url, {"decision": "reject"}, **key)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    assert _post(Client(), url, {"decision": "publish"}, **key).json()["status"] == "published"
    triage = f"/api/v1/participation/proposals/{pk}/triage"
    wrong = _post(
        Client(), triage, {"owner_agency_id": world.other_unit_agency.pk, "facet": "mission"}, **key
    )
    assert wrong.status_code == 422
    made = _post(Client(), triage, {"owner_agency_id": world.agency.pk, "facet": "mission"}, **key)
    assert made.status_code == 201
    assert made.json()["status"] == "in_portfolio" and made.json()["problem_id"]
