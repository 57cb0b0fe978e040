"""`POST /api/v1/market/milestones/{id}/status`: the contract page's status form, for integrators."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.market import services
from civicloop.market.events import MarketEvent
from civicloop.market.models import MilestoneStatus
from civicloop.market.tests.factories import awarded_contract


@pytest.fixture
def milestone(world, market):
    contract = awarded_contract(world, market)
    return services.milestone_add(
        actor=world.principal("staff"),
        contract=contract,
        title="Prototype live",
        due_on=timezone.localdate(),
    )


def _url(pk: int) -> str:
    return f"/api/v1/market/milestones/{pk}/status"


def _post(client: Client, pk: int, body: object, headers: dict[str, str] | None = None):
    return client.post(_url(pk), json.dumps(body), content_type="application/json", headers=headers)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _audit(milestone) -> list[tuple[str, object, object]]:
    return [
        (e.actor_label, e.before, e.after)
        for e in AuditEvent.objects.filter(
            action=MarketEvent.MILESTONE_UPDATED, object_id=str(milestone.pk)
        ).order_by("sequence")
    ]


def test_unit_key_marks_a_milestone_met_and_back_and_each_change_is_audited(world, milestone):
    client = Client()
    auth = _bearer(world.api_key())
    response = _post(client, milestone.pk, {"status": "met"}, headers=auth)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": milestone.pk,
        "title": "Prototype live",
        "due_on": milestone.due_on.isoformat(),
        "status": "met",
    }
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.MET
    contract = client.get("/api/v1/market/contracts", headers=auth).json()["items"][0]
    assert contract["milestones"][0]["status"] == "met"
    # Judged met in error: it can go back.
    assert _post(client, milestone.pk, {"status": "scheduled"}, headers=auth).status_code == 200
    assert [(before, after) for _, before, after in _audit(milestone)] == [
        ({"status": "scheduled"}, {"status": "met"}),
        ({"status": "met"}, {"status": "scheduled"}),
    ]


def test_api_and_contract_page_record_the_same_audit_event(world, milestone):
    client = world.client("staff")
    assert _post(client, milestone.pk, {"status": "notMet"}).status_code == 200
    by_api = _audit(milestone)
    assert (
        client.post(
            f"/market/contracts/{milestone.contract_id}/",
            {
                "action": "status",
                "milestone": milestone.pk,
                f"milestone-{milestone.pk}-status": "met",
            },
        ).status_code
        == 302
    )
    by_page = _audit(milestone)[1:]
    assert [label for label, _, _ in by_api] == [label for label, _, _ in by_page]
    assert by_api[0][2] == {"status": "notMet"} and by_page[0][2] == {"status": "met"}


@pytest.mark.parametrize(
    "role", ["evaluator", "auditor", "vendor", "official", "other_official", "outsider"]
)
def test_who_does_not_manage_the_contract_gets_404_and_nothing_changes(world, milestone, role):
    response = _post(world.client(role), milestone.pk, {"status": "met"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED
    assert _audit(milestone) == []


def test_another_units_key_and_an_unknown_milestone_get_the_same_404(world, milestone):
    other = _post(
        Client(),
        milestone.pk,
        {"status": "met"},
        headers=_bearer(world.api_key(org=world.other_unit)),
    )
    unknown = _post(
        Client(), milestone.pk + 1000, {"status": "met"}, headers=_bearer(world.api_key())
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED


def test_read_only_key_is_refused_with_403(world, milestone):
    response = _post(
        Client(), milestone.pk, {"status": "met"}, headers=_bearer(world.api_key(scope="read"))
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "read-only" in response.json()["detail"]
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED


ALLOWED = "Input should be 'scheduled', 'met' or 'notMet'"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "done"}, ALLOWED),
        ({"status": ""}, ALLOWED),
        ({}, "Field required"),
        ({"to_status": "met"}, "Field required"),
    ],
)
def test_bad_status_names_the_field_and_changes_nothing(world, milestone, body, message):
    response = _post(world.client("staff"), milestone.pk, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == [
        {"field": "status", "message": message, "type": problem["errors"][0]["type"]}
    ]
    assert problem["detail"] == f"status: {message}"
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED
    assert _audit(milestone) == []


def test_operation_is_documented_in_the_openapi_schema(world):
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/market/milestones/{milestone_id}/status"]["post"]
    assert operation["summary"] == "Mark a contract milestone scheduled, met or not met"
    for phrase in ("404", "403", "422", "market.milestone_updated"):
        assert phrase in operation["description"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["status"]["enum"] == ["scheduled", "met", "notMet"]
