"""Jurisdictions and research bodies get only what their role allows (issue 12, F18).

Their API keys acted as auditors (all vendor profiles, programme metrics); so did their people,
whatever role their membership named. Now the role a principal acts with fits the kind of
organisation it acts for (`core.permissions.role_in`, `KIND_ROLE`), and those roles hold no
unit ability: they read the public portal and what is shared with them by link.
"""

from __future__ import annotations

import pytest

from civicloop.core.models import OrganizationKind, Role
from civicloop.core.permissions import (
    JURISDICTION,
    RESEARCH_BODY,
    UNIT_ROLE_ABILITIES,
    Ability,
    principal_for_api_key,
    principal_for_person,
)
from civicloop.core.services import apikey_authenticate
from civicloop.core.tests.factories import MembershipFactory, OrganizationFactory, PersonFactory
from civicloop.market.models import VendorProfile
from civicloop.market.tests import factories as mf
from civicloop.portfolio.tests.factories import ProblemFactory

KINDS = {"jurisdiction": OrganizationKind.JURISDICTION, "research": OrganizationKind.RESEARCH}


@pytest.fixture
def outside(world):
    """A jurisdiction and a research body the unit works with, a key and a person of each."""
    orgs, keys, people = {}, {}, {}
    for name, kind in KINDS.items():
        org = OrganizationFactory.create(
            kind=kind,
            unit=world.unit,
            name=f"Outside {name}",
            slug=f"outside-{name}",
            population=50_000 if kind == OrganizationKind.JURISDICTION else None,
        )
        orgs[name] = org
        keys[name] = world.api_key("write", org=org)
        # A membership filed with a unit role: it must not make them an auditor of anything.
        person = PersonFactory.create(email=f"{name}@example.org")
        MembershipFactory.create(person=person, organization=org, role=Role.AUDITOR)
        people[name] = person
    rival = mf.rival_vendor()
    VendorProfile.objects.create(
        organization=rival.company, founding_year=2015, capabilities="Case management"
    )
    ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    return orgs, keys, people


def _get(world, path, key=None, person=None):
    client = world.client(None)
    if person is not None:
        client.force_login(person)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get(path, **headers)


def _items(response) -> list:
    body = response.json()
    return body["items"] if isinstance(body, dict) and "items" in body else body


def test_the_roles_hold_no_unit_ability():
    assert UNIT_ROLE_ABILITIES[JURISDICTION] == frozenset()
    assert UNIT_ROLE_ABILITIES[RESEARCH_BODY] == frozenset()


@pytest.mark.parametrize("name", list(KINDS))
def test_keys_and_people_act_with_their_kinds_role(world, outside, name):
    orgs, keys, people = outside
    api_key = apikey_authenticate(keys[name])
    assert api_key is not None
    key_principal = principal_for_api_key(api_key)
    person_principal = principal_for_person(people[name])
    expected = JURISDICTION if name == "jurisdiction" else RESEARCH_BODY
    for principal in (key_principal, person_principal):
        assert principal.roles == frozenset({(orgs[name].pk, expected)})
        assert not principal.has_role(Role.AUDITOR)
        for ability in Ability:
            assert principal.units_with(ability) == set(), ability
            assert principal.agencies_with(ability) == set(), ability
    # The unit's own auditor keeps what an auditor may do.
    assert world.principal("auditor").units_with(Ability.VIEW_MARKET) == {world.unit.pk}


# Lists answer empty and single objects or unit-wide figures 404, the API's convention for
# anything outside a principal's scope.
LISTS = [
    "/api/v1/market/vendors",
    "/api/v1/problems",
    "/api/v1/surveys",
    "/api/v1/services",
    "/api/v1/market/needs",
]
REFUSED = ["/api/v1/market/metrics"]
PUBLIC = ["/api/v1/market/public/challenges", "/api/v1/scaling/registry"]


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("via", ["key", "person"])
def test_the_api_gives_them_only_public_data(world, outside, name, via):
    _orgs, keys, people = outside
    auth = {"key": keys[name]} if via == "key" else {"person": people[name]}
    for path in LISTS:
        response = _get(world, path, **auth)
        assert response.status_code == 200, (path, response.content)
        assert _items(response) == [], path
    for path in REFUSED:
        response = _get(world, path, **auth)
        assert response.status_code == 404, (path, response.status_code)
    for path in PUBLIC:
        assert _get(world, path, **auth).status_code == 200, path


def test_the_units_own_key_still_reads_vendors_and_metrics(world, outside):
    key = world.api_key("read")
    assert len(_items(_get(world, "/api/v1/market/vendors", key=key))) == 1
    assert _get(world, "/api/v1/market/metrics", key=key).status_code == 200
