"""Sandboxes and lessons are created for the unit the person acts for: asked when they can edit
scaling in several units, never silently the first (core.permissions.acting_unit)."""

import pytest

from civicloop.core.models import Role
from civicloop.core.tests.factories import MembershipFactory
from civicloop.scaling.models import Lesson, Sandbox

pytestmark = pytest.mark.django_db

SANDBOX = {"title": "Pharmacies", "public_summary": "Pharmacies confirm.", "regulator": "DPO"}
LESSON = {"title": "Call first", "what_we_learnt": "Ring before writing.", "outcome": "success"}


@pytest.fixture
def two_units(world):
    MembershipFactory.create(
        person=world.people["staff"], organization=world.other_unit, role=Role.UNIT_STAFF
    )
    return world.client("staff")


@pytest.mark.parametrize(
    ("path", "data", "model"),
    [("/scaling/sandboxes/new/", SANDBOX, Sandbox), ("/scaling/lessons/new/", LESSON, Lesson)],
)
def test_a_person_of_two_units_is_asked_which_then_acts_for_it(world, two_units, path, data, model):
    asked = two_units.get(path)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Which unit are you acting for?" in html
    assert world.unit.name in html and world.other_unit.name in html
    assert two_units.post(path, data).status_code == 200  # still asked: nothing created
    assert not model.objects.exists()
    response = two_units.post(f"{path}?unit={world.other_unit.pk}", data)
    assert response.status_code == 302
    assert model.objects.get().unit == world.other_unit


@pytest.mark.parametrize("path", ["/scaling/sandboxes/new/", "/scaling/lessons/new/"])
def test_a_unit_outside_the_persons_scope_is_not_found(world, path):
    response = world.client("staff").get(f"{path}?unit={world.other_unit.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "data", "model"),
    [("/api/v1/scaling/sandboxes", SANDBOX, Sandbox), ("/api/v1/scaling/lessons", LESSON, Lesson)],
)
def test_the_api_acts_for_the_keys_unit_and_refuses_another(world, client, path, data, model):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.api_key()}"}
    other = client.post(
        path, {**data, "unit_id": world.other_unit.pk}, content_type="application/json", **headers
    )
    assert other.status_code == 404
    created = client.post(path, data, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    assert model.objects.get().unit == world.unit


def test_the_api_asks_a_person_of_two_units_to_name_one(world, two_units):
    path = "/api/v1/scaling/sandboxes"
    unnamed = two_units.post(path, SANDBOX, content_type="application/json")
    assert unnamed.status_code == 422, unnamed.content
    assert unnamed.json()["errors"][0]["field"] == "unit_id"
    assert not Sandbox.objects.exists()
    named = {**SANDBOX, "unit_id": world.other_unit.pk}
    assert two_units.post(path, named, content_type="application/json").status_code == 201
    assert Sandbox.objects.get().unit == world.other_unit
