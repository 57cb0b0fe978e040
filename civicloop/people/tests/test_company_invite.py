"""A company's person invites colleagues into the company's account (people invitations)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from civicloop.core.models import Membership, Role
from civicloop.people.models import Invitation


@pytest.mark.django_db
def test_vendor_invites_a_colleague_who_joins_the_company(world):
    client = world.client("vendor")
    url = reverse("people:company_invite")
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "colleague@startup.example", "language": "es"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="colleague@startup.example")
    assert invitation.organization == world.company and invitation.role == Role.VENDOR
    assert len(mail.outbox) == 1
    link = re.search(r"/people/join/\?token=[\w-]+", str(mail.outbox[0].body))
    assert link is not None
    guest = Client()
    response = guest.post(
        link.group(0),
        {
            "full_name": "Col League",
            "password1": "another long passphrase 7",
            "password2": "another long passphrase 7",
        },
    )
    assert response.status_code in (200, 302)
    assert Membership.objects.filter(
        person__email="colleague@startup.example", organization=world.company, role=Role.VENDOR
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "outsider", "evaluator"])
def test_nobody_but_the_company_s_people_invite_into_it(world, role):
    client = world.client(role)
    response = client.post(
        reverse("people:company_invite"),
        {"email": "x@startup.example", "language": "en", "unit": world.company.pk},
    )
    assert response.status_code == 404
    assert not Invitation.objects.filter(email="x@startup.example").exists()


@pytest.mark.django_db
def test_bad_address_names_the_field(world):
    response = world.client("vendor").post(
        reverse("people:company_invite"), {"email": "nope", "language": "en"}
    )
    assert response.status_code == 422
    assert "e-mail" in response.content.decode().lower()
