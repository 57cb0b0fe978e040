"""Privacy reads are scoped by the viewer: unit staff may erase only people wholly of their
unit, and a personal data export holds only the viewer's own data."""

from __future__ import annotations

import pytest
from django.http import Http404

from civicloop.core.models import ApiKey, Role
from civicloop.core.permissions import principal_for_api_key
from civicloop.core.tests.factories import MembershipFactory
from civicloop.privacy import selectors


def _emails(people) -> set[str]:
    return {p.email for p in people}


@pytest.mark.django_db
def test_staff_may_erase_only_people_wholly_of_their_unit(world):
    staff = world.principal("staff")
    erasable = _emails(selectors.erasable_people(viewer=staff))
    # the unit's evaluator and auditor and its agencies' officials; never the viewer, a vendor
    # (companies are shared across units) or a person of another unit
    assert erasable == {
        "official@example.org",
        "other_official@example.org",
        "evaluator@example.org",
        "auditor@example.org",
    }
    assert _emails(selectors.erasable_people(viewer=world.principal("outsider"))) == set()
    with pytest.raises(Http404):
        selectors.erasable_person_get(viewer=staff, pk=world.people["outsider"].pk)
    assert selectors.erasable_person_find(viewer=staff, email="VENDOR@example.org") is None


@pytest.mark.django_db
def test_a_person_of_two_units_is_left_to_the_operator(world):
    MembershipFactory.create(
        person=world.people["auditor"], organization=world.other_unit, role=Role.AUDITOR
    )
    staff = world.principal("staff")
    assert "auditor@example.org" not in _emails(selectors.erasable_people(viewer=staff))


@pytest.mark.django_db
def test_readers_without_the_ability_may_erase_nobody(world):
    for role in ("auditor", "evaluator", "official", "vendor"):
        assert not selectors.erasable_people(viewer=world.principal(role)).exists()


@pytest.mark.django_db
def test_the_export_is_the_viewers_own_and_refused_to_an_api_key(world):
    data = selectors.personal_data_export(viewer=world.principal("auditor"))
    assert data["person"]["email"] == "auditor@example.org"
    assert [m["organization_id"] for m in data["memberships"]] == [world.unit.pk]
    key = ApiKey.objects.get(prefix=world.api_key().split("_")[1])
    with pytest.raises(PermissionError):
        selectors.personal_data_export(viewer=principal_for_api_key(key))
