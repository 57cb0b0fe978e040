"""A person of several units is asked which one a new problem, target group or survey is for;
they are never given the first one silently, and a unit outside their scope does not exist."""

from __future__ import annotations

import pytest

from civicloop.core.models import Role
from civicloop.core.tests.factories import AgencyFactory, MembershipFactory
from civicloop.portfolio.models import Problem, TargetGroup


@pytest.fixture
def two_units(world):
    """The unit's staff member also works for the other unit."""
    MembershipFactory.create(
        person=world.people["staff"], organization=world.other_unit, role=Role.UNIT_STAFF
    )
    return world.client("staff")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/portfolio/new/", "/portfolio/target-groups/new/", "/feedback/new/"]
)
def test_several_units_are_offered_as_a_choice(world, two_units, path):
    page = two_units.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Which unit are you acting for?" in html
    assert f'value="{world.unit.pk}"' in html and f'value="{world.other_unit.pk}"' in html
    chosen = two_units.get(path, {"unit": world.other_unit.pk})
    assert chosen.status_code == 200
    assert "Which unit are you acting for?" not in chosen.content.decode()


@pytest.mark.django_db
def test_the_chosen_unit_is_the_one_acted_for(world, two_units):
    response = two_units.post(
        f"/portfolio/target-groups/new/?unit={world.other_unit.pk}",
        {"name": "Night-shift workers", "estimated_size": "300"},
    )
    assert response.status_code == 302
    assert TargetGroup.objects.get(name="Night-shift workers").unit == world.other_unit


@pytest.mark.django_db
def test_a_unit_outside_scope_is_not_found(world):
    client = world.client("staff")
    assert client.get("/portfolio/new/", {"unit": world.other_unit.pk}).status_code == 404
    assert client.get("/feedback/new/", {"unit": world.other_unit.pk}).status_code == 404


@pytest.mark.django_db
def test_the_api_asks_which_unit_and_refuses_one_outside_scope(world, two_units):
    agency = AgencyFactory.create(unit=world.other_unit)
    body = {
        "title": "Slow permits",
        "statement": "Permits take months to be decided.",
        "facet": "enhancement",
        "owner_agency_id": agency.pk,
    }
    asked = two_units.post("/api/v1/problems", body, content_type="application/json")
    assert asked.status_code == 422
    assert [e["field"] for e in asked.json()["errors"]] == ["unit_id"]
    made = two_units.post(
        "/api/v1/problems",
        {**body, "unit_id": world.other_unit.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert Problem.objects.get(pk=made.json()["id"]).unit == world.other_unit
    outside = world.client("official").post(
        "/api/v1/target-groups",
        {"name": "x", "unit_id": world.unit.pk},
        content_type="application/json",
    )
    assert outside.status_code == 404
