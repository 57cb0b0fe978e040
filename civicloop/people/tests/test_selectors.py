"""People reads are scoped by the viewer: a unit's admin sees the people, roles and invitations
of their own unit and its organisations, never another unit's; anyone else sees nobody."""

from __future__ import annotations

import pytest
from django.http import Http404

from civicloop.core.models import Membership
from civicloop.core.permissions import ANONYMOUS
from civicloop.people import selectors, services

pytestmark = pytest.mark.django_db

BASE = "https://civicloop.example"


def _emails(memberships) -> set[str]:
    return {m.person.email for m in memberships}


def _invite(world, role_key: str, organization, email: str):
    return services.invitation_create(
        actor=world.principal(role_key),
        organization=organization,
        email=email,
        role="evaluator",
        base_url=BASE,
    ).invitation


def test_a_unit_admin_manages_only_their_unit_and_its_organisations(world):
    staff, outsider = world.principal("staff"), world.principal("outsider")
    assert list(selectors.manageable_units(viewer=staff)) == [world.unit]
    assert list(selectors.manageable_units(viewer=outsider)) == [world.other_unit]
    orgs = set(selectors.manageable_organizations(viewer=staff))
    assert {world.unit, world.agency, world.other_agency} <= orgs
    assert not orgs & {world.other_unit, world.other_unit_agency}
    with pytest.raises(Http404):
        selectors.organization_get(viewer=staff, pk=world.other_unit.pk)


def test_roles_of_another_unit_are_neither_listed_nor_reachable(world):
    staff = world.principal("staff")
    listed = _emails(selectors.membership_list(viewer=staff))
    assert {"staff@example.org", "official@example.org", "auditor@example.org"} <= listed
    assert "outsider@example.org" not in listed
    theirs = Membership.objects.get(person=world.people["outsider"])
    with pytest.raises(Http404):
        selectors.membership_get(viewer=staff, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.person_get(viewer=staff, pk=world.people["outsider"].pk)
    assert _emails(selectors.membership_list(viewer=world.principal("outsider"))) == {
        "outsider@example.org"
    }


def test_invitations_are_seen_only_by_the_unit_that_sent_them(world):
    ours = _invite(world, "staff", world.unit, "new.evaluator@example.org")
    theirs = _invite(world, "outsider", world.other_unit, "their.evaluator@example.org")
    staff = world.principal("staff")
    assert list(selectors.invitation_list(viewer=staff)) == [ours]
    assert list(selectors.invitation_list(viewer=world.principal("outsider"))) == [theirs]
    with pytest.raises(Http404):
        selectors.invitation_get(viewer=staff, pk=theirs.pk)


@pytest.mark.parametrize("role", ["official", "evaluator", "auditor", "vendor", None])
def test_people_without_the_people_ability_and_anonymous_visitors_see_nobody(world, role):
    _invite(world, "staff", world.unit, "new.evaluator@example.org")
    viewer = world.principal(role) if role else ANONYMOUS
    assert not selectors.manageable_units(viewer=viewer).exists()
    assert not selectors.membership_list(viewer=viewer).exists()
    assert not selectors.invitation_list(viewer=viewer).exists()
    with pytest.raises(Http404):
        selectors.person_get(viewer=viewer, pk=world.people["staff"].pk)
