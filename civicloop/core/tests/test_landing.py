"""Where each role lands on ``/`` and after signing in: a page of theirs that answers 200."""

import pytest
from django.test import Client

from civicloop.participation.tests.conftest import make_citizen

PASSWORD = "correct horse battery staple"

# role -> the page it lands on (the fixture `world` holds one person of each role)
LANDINGS = {
    "staff": "/portfolio/",
    "evaluator": "/portfolio/",
    "auditor": "/portfolio/",
    "official": "/portfolio/",
    "vendor": "/market/company/",
}


@pytest.mark.parametrize("role", sorted(LANDINGS))
def test_home_sends_each_role_to_a_page_it_can_see(world, role):
    response = world.client(role).get("/", follow=True)
    assert response.status_code == 200, role
    assert response.redirect_chain[-1][0] == LANDINGS[role], role


@pytest.mark.parametrize("role", sorted(LANDINGS))
def test_sign_in_lands_each_role_on_a_page_it_can_see(world, role):
    person = world.people[role]
    person.set_password(PASSWORD)
    person.save()
    client = Client()
    response = client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == LANDINGS[role], role
    assert client.get(LANDINGS[role]).status_code == 200, role


def test_a_citizen_lands_on_the_public_proposals(world):
    citizen = make_citizen("ana@example.net", name="Ana")
    client = Client()
    assert citizen.person is not None
    client.force_login(citizen.person)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/participate/"


def test_a_person_with_no_role_lands_on_the_public_portal(world):
    from civicloop.core.tests.factories import PersonFactory

    client = Client()
    client.force_login(PersonFactory.create(email="nobody@example.org"))
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/public/"


def test_home_without_signing_in_is_the_welcome_page(db):
    assert Client().get("/").status_code == 200
