"""No page tells a visitor whether an address has an account (issue 16).

One test per path that takes an address from someone not signed in: the company sign-up, the
citizen sign-up, the password reset; and, signed in, adding an address on one's account page.
Each answers an address that has an account exactly as one that has none (status, redirect,
the page it leads to, the cookies it sets), creates nothing, and mails the address's owner.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from civicloop.core.models import AuditEvent, Organization, Person
from civicloop.core.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TAKEN = "owner@taken.example"
TRIED = "Someone tried to register with your e-mail address"


@pytest.fixture
def owner():
    person = PersonFactory.create(email=TAKEN, preferred_language="es")
    mail.outbox.clear()
    return person


def _company_form(email: str, company: str) -> dict[str, str]:
    return {
        "company_name": company,
        "country": "ES",
        "founding_year": "2019",
        "staff_headcount": "12",
        "annual_turnover_eur": "1500000",
        "balance_sheet_eur": "900000",
        "full_name": "Ana Ruiz",
        "email": email,
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "language": "en",
    }


def _citizen_form(email: str) -> dict[str, str]:
    return {
        "email": email,
        "display_name": "Vecina del barrio",
        "language": "en",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
    }


def _answer(url: str, data: dict[str, str]) -> tuple[int, str, list[str], str]:
    """What a visitor can observe: status, redirect, cookie names and the page it leads to."""
    client = Client()
    response = client.post(url, data)
    landing = client.get(response["Location"]) if response.status_code == 302 else response
    page = landing.content.decode().replace(data["email"], "ADDRESS")
    return response.status_code, response.get("Location", ""), sorted(response.cookies), page


def _owner_was_told(language_word: str) -> None:
    told = [m for m in mail.outbox if m.to == [TAKEN]]
    assert len(told) == 1
    assert reverse("account_reset_password") in str(told[0].body)
    assert language_word in told[0].subject


def test_company_sign_up_answers_a_taken_address_as_a_new_one(owner):
    url = reverse("market:company_signup")
    new = _answer(url, _company_form("fresh@new.example", "Datos Abiertos SL"))
    taken = _answer(url, _company_form(TAKEN, "Otra Empresa SL"))
    assert taken == new
    assert new[0] == 302 and new[1] == reverse("account_email_verification_sent")
    # nothing made for the taken address; the owner (who reads Spanish) is told
    assert not Organization.objects.filter(name="Otra Empresa SL").exists()
    assert Person.objects.filter(email__iexact=TAKEN).count() == 1
    _owner_was_told("registrarse")


def test_company_sign_up_matches_the_address_in_any_case(owner):
    url = reverse("market:company_signup")
    new = _answer(url, _company_form("fresh@new.example", "Datos Abiertos SL"))
    taken = _answer(url, _company_form(TAKEN.upper(), "Otra Empresa SL"))
    assert taken[:3] == new[:3]
    assert Person.objects.filter(email__iexact=TAKEN).count() == 1


def test_company_sign_up_answers_a_registered_company_name_as_a_new_one(owner):
    url = reverse("market:company_signup")
    existing = _answer(url, _company_form("first@datos.example", "Datos Abiertos SL"))
    assert Organization.objects.filter(name="Datos Abiertos SL").count() == 1
    mail.outbox.clear()
    new = _answer(url, _company_form("fresh@new.example", "Nueva Empresa SL"))
    taken = _answer(url, _company_form("second@datos.example", "datos abiertos  SL"))
    assert taken == new == existing
    assert new[0] == 302 and new[1] == reverse("account_email_verification_sent")
    # nothing made; the address is told the name is in use, in its language; audited
    assert Organization.objects.filter(name__iexact="Datos Abiertos SL").count() == 1
    assert not Person.objects.filter(email="second@datos.example").exists()
    (told,) = [m for m in mail.outbox if m.to == ["second@datos.example"]]
    assert told.subject.endswith("Your company registration was not completed")
    assert "Datos Abiertos SL" in str(told.body) and "invite you" in str(told.body)
    (event,) = AuditEvent.objects.filter(action="market.company_name_claimed")
    assert (event.metadata or {})["email_domain"] == "datos.example"
    assert "second@" not in str(event.metadata)


def test_citizen_sign_up_answers_a_taken_address_as_a_new_one(owner):
    url = reverse("participation:signup")
    new = _answer(url, _citizen_form("fresh@new.example"))
    taken = _answer(url, _citizen_form(TAKEN))
    assert taken == new
    assert new[0] == 302 and new[1] == reverse("account_email_verification_sent")
    assert Person.objects.filter(email__iexact=TAKEN).count() == 1
    _owner_was_told("registrarse")


def test_password_reset_answers_an_unknown_address_as_a_known_one(owner):
    url = reverse("account_reset_password")
    known = _answer(url, {"email": TAKEN})
    unknown = _answer(url, {"email": "nobody@unknown.example"})
    assert known == unknown and known[0] == 302


def test_adding_another_person_s_address_on_the_account_page_reveals_nothing(owner, world):
    client = world.client("staff")
    url = reverse("account_email")
    taken = client.post(url, {"action_add": "", "email": TAKEN})
    fresh = client.post(url, {"action_add": "", "email": "fresh@new.example"})
    assert taken.status_code == fresh.status_code
    assert taken.get("Location") == fresh.get("Location")
    assert Person.objects.get(email__iexact=TAKEN) == owner


def test_a_company_inviting_an_address_learns_nothing_about_its_account(world, owner):
    from civicloop.people import services as people

    owner.is_active = False  # deactivated, in another organisation: none of the company's business
    owner.save()
    answers = [
        people.company_colleague_invite(
            actor=world.principal("vendor"),
            organization=world.company,
            email=address,
            base_url="https://civicloop.test",
        )
        for address in (TAKEN, "fresh@new.example")
    ]
    assert [a.invitation.email for a in answers] == [TAKEN, "fresh@new.example"]
