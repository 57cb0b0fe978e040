"""Citizens for the participation tests: verified ones, an unverified one, and a helper."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress

from civicloop.core.permissions import Principal, principal_for_person
from civicloop.core.tests.factories import PersonFactory
from civicloop.participation import services
from civicloop.participation.models import Citizen, Proposal


@dataclass
class Folk:
    make: object

    def __call__(self, email: str, *, verified: bool = True, name: str = "") -> Principal:
        return self.make(email, verified=verified, name=name)  # type: ignore[operator]


def make_citizen(email: str, *, verified: bool = True, name: str = "") -> Principal:
    person = PersonFactory.create(email=email, full_name="")
    EmailAddress.objects.create(user=person, email=email, verified=verified, primary=True)
    services.citizen_register(
        actor=principal_for_person(person),
        display_name=name or f"Neighbour {person.pk}",
        language="en",
    )
    return principal_for_person(person)


@pytest.fixture
def citizen_of(db):
    return make_citizen


@pytest.fixture
def ana(world) -> Principal:
    return make_citizen("ana@example.net", name="Ana from the north")


def published(world, author: Principal, title: str = "Bins are not emptied on Sundays") -> Proposal:
    proposal = services.proposal_submit(
        actor=author,
        unit_id=world.unit.pk,
        kind="problem",
        title=title,
        body="The street bins overflow every Sunday and the rubbish blows into the park.",
        language="en",
    )
    services.proposal_moderate(
        actor=world.principal("staff"), proposal=proposal, decision="publish"
    )
    proposal.refresh_from_db()
    return proposal


def citizen_row(principal: Principal) -> Citizen:
    return Citizen.objects.get(person=principal.person)
