"""A person of several units says which unit a new service or metric is for; never the first."""

from __future__ import annotations

import json

import pytest

from civicloop.core.models import Role
from civicloop.core.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units(world):
    MembershipFactory.create(
        person=world.people["staff"], organization=world.other_unit, role=Role.UNIT_STAFF
    )
    return world.client("staff")


@pytest.mark.parametrize("url", ["/experiments/services/new/", "/analytics/metrics/new/"])
def test_the_page_asks_which_unit_then_acts_for_the_one_chosen(world, two_units, url):
    page = two_units.get(url).content.decode()
    assert "Which unit are you acting for?" in page
    assert f'value="{world.unit.pk}"' in page and f'value="{world.other_unit.pk}"' in page
    chosen = two_units.get(url, {"unit": world.other_unit.pk})
    assert chosen.status_code == 200
    assert "Which unit are you acting for?" not in chosen.content.decode()


def test_the_api_asks_which_unit_and_hides_units_outside_scope(world, two_units):
    body = {
        "name": "Parking permits",
        "owner_agency_id": world.agency.pk,
        "annual_volume": 10,
        "cost_per_transaction": "1.00",
    }
    r = two_units.post("/api/v1/services", json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["unit_id"]
    elsewhere = {**body, "unit_id": world.company.pk}
    r = two_units.post("/api/v1/services", json.dumps(elsewhere), content_type="application/json")
    assert r.status_code == 404
    ours = {**body, "unit_id": world.unit.pk}
    r = two_units.post("/api/v1/services", json.dumps(ours), content_type="application/json")
    assert r.status_code == 201
    assert r.json()["unit_id"] == world.unit.pk
