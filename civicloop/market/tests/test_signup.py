"""A company signs itself up: size class, e-mail verification before acting, abuse rules."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client, override_settings
from django.urls import reverse

from civicloop.core.models import AuditEvent, Organization, Person, Role
from civicloop.core.permissions import Ability, principal_for_person, require
from civicloop.market import services
from civicloop.market.models import VendorProfile
from civicloop.market.sme import sme_size_class
from civicloop.market.tests.factories import open_challenge

M = Decimal(1_000_000)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # rate-limit counters of other tests in the same minute


# Commission Recommendation 2003/361/EC, Annex, Article 2, read off the published table:
# (staff, turnover, balance sheet) -> class. Each row sits on or just past a ceiling.
BOUNDARIES = [
    (9, 2 * M, 2 * M, "micro"),
    (10, 2 * M, 2 * M, "small"),  # 10 staff is no longer micro (fewer than 10)
    (9, 2 * M + 1, 2 * M, "micro"),  # turnover over, balance sheet within: still micro
    (9, 2 * M + 1, 2 * M + 1, "small"),  # both over the micro ceilings
    (49, 10 * M, 99 * M, "small"),
    (50, 1 * M, 1 * M, "medium"),
    (49, 10 * M + 1, 10 * M + 1, "medium"),
    (249, 50 * M, 99 * M, "medium"),
    (249, 99 * M, 43 * M, "medium"),  # balance-sheet ceiling of medium is €43 m
    (249, 50 * M + 1, 43 * M + 1, "large"),
    (250, 1 * M, 1 * M, "large"),
    (0, Decimal(0), Decimal(0), "micro"),
]


@pytest.mark.parametrize(("staff", "turnover", "balance", "expected"), BOUNDARIES)
def test_sme_size_class_boundaries_follow_the_recommendation(staff, turnover, balance, expected):
    assert sme_size_class(staff=staff, turnover_eur=turnover, balance_sheet_eur=balance) == expected


def _form(**over) -> dict[str, str]:
    data = {
        "company_name": "Datos Abiertos SL",
        "country": "es",
        "founding_year": "2019",
        "staff_headcount": "12",
        "annual_turnover_eur": "1500000",
        "balance_sheet_eur": "900000",
        "full_name": "Ana Ruiz",
        "email": "ana@datos.example",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "language": "es",
    }
    data.update(over)
    return data


def _sign_up(**over):
    data = _form(**over)
    return services.company_sign_up(
        email=data["email"],
        password=data["password1"],
        full_name=data["full_name"],
        company_name=data["company_name"],
        country=data["country"],
        founding_year=int(data["founding_year"]),
        staff_headcount=int(data["staff_headcount"]),
        annual_turnover_eur=data["annual_turnover_eur"],
        balance_sheet_eur=data["balance_sheet_eur"],
        language=data["language"],
    )


@pytest.mark.django_db
def test_sign_up_creates_company_with_size_class_and_an_unverified_person():
    created = _sign_up()
    company = created.company
    assert company.kind == "company" and company.country == "ES"
    # 12 staff: not micro (fewer than 10); €1.5 m turnover is within small's €10 m.
    assert company.sme_size == "small"
    assert created.profile.staff_headcount == 12
    assert created.person.preferred_language == "es"
    assert EmailAddress.objects.get(user=created.person).verified is False
    assert AuditEvent.objects.filter(
        action="market.company_signed_up", object_id=str(created.profile.pk)
    ).exists()


@pytest.mark.django_db
def test_an_unverified_address_cannot_act_for_the_company_until_confirmed(world):
    created = _sign_up()
    challenge, phase = open_challenge(world)
    actor = principal_for_person(created.person)
    assert created.company.pk not in actor.organizations([Role.VENDOR])
    with pytest.raises(Http404):
        require(actor, Ability.ACT_FOR_COMPANY, created.company)
    with pytest.raises(Http404):  # no proposal from an unconfirmed address (the service's gate)
        services.proposal_submit(
            actor=actor,
            challenge=challenge,
            phase=phase,
            vendor=created.company,
            content="A proposal long enough to pass the length rule of fifty characters.",
            price=Decimal("1000"),
        )
    EmailAddress.objects.filter(user=created.person).update(verified=True)
    actor = principal_for_person(created.person)
    require(actor, Ability.ACT_FOR_COMPANY, created.company)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"password1": "short"}, "password1"),
        ({"country": "Spain"}, "country"),
        ({"founding_year": "1700"}, "founding_year"),
        ({"annual_turnover_eur": "lots"}, "annual_turnover_eur"),
    ],
)
def test_sign_up_refusals_name_the_field(over, field):
    with pytest.raises(ValidationError) as refused:
        _sign_up(**over)
    assert field in refused.value.message_dict
    assert not Organization.objects.filter(kind="company").exists()


@pytest.mark.django_db
def test_duplicate_address_and_company_are_refused():
    _sign_up()
    # The address: refused without a field error the page could show (no enumeration: the page
    # answers as for a new sign-up, test_signup_enumeration.py).
    with pytest.raises(services.AddressTaken):
        _sign_up(company_name="Other SL")
    assert not Organization.objects.filter(name="Other SL").exists()
    # The company name: refused without a field error either (the page answers as for a new
    # sign-up and mails the address that the name is in use).
    with pytest.raises(services.CompanyNameTaken) as refused:
        _sign_up(email="b@datos.example", company_name="datos abiertos  sl")
    assert refused.value.email == "b@datos.example"
    assert not Person.objects.filter(email="b@datos.example").exists()


@pytest.mark.django_db
def test_the_page_registers_sends_the_verification_mail_and_does_not_sign_in():
    client = Client()
    url = reverse("market:company_signup")
    assert client.get(url).status_code == 200
    response = client.post(url, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    person = Person.objects.get(email="ana@datos.example")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@datos.example"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0).split("testserver", 1)[-1]
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(user=person).verified is True
    require(
        principal_for_person(person), Ability.ACT_FOR_COMPANY, person.memberships.get().organization
    )


@pytest.mark.django_db
def test_the_page_names_the_field_and_rule_on_a_bad_form():
    response = Client().post(reverse("market:company_signup"), _form(password2="different one 42"))
    assert response.status_code == 422
    assert "The two passwords differ" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_allauth_own_signup_stays_closed():
    response = Client().get(reverse("account_signup"))
    assert "ana@" not in response.content.decode()
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()


@pytest.mark.django_db
def test_honeypot_filled_creates_and_sends_nothing():
    response = Client().post(reverse("market:company_signup"), _form(fax_number="+34 600"))
    # the answer of a real sign-up, so a bot learns nothing
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not Person.objects.exists() and not VendorProfile.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(CIVICLOOP_SIGNUP_RATE_LIMIT=3, CIVICLOOP_SIGNUP_RATE_WINDOW=60)
def test_more_than_the_limit_from_one_address_in_a_minute_is_refused():
    client = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("market:company_signup")
    for n in range(3):
        response = client.post(url, _form(email=f"p{n}@datos.example", company_name=f"Co {n}"))
        assert response.status_code == 302
    response = client.post(url, _form(email="p9@datos.example", company_name="Co 9"))
    assert response.status_code == 429
    assert "at most 3 in 60 seconds" in response.content.decode()
    assert not Person.objects.filter(email="p9@datos.example").exists()
    # Another address is counted apart.
    other = Client(REMOTE_ADDR="198.51.100.4")
    response = other.post(url, _form(email="q@datos.example", company_name="Co Q"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_an_invited_vendor_with_an_unverified_address_row_keeps_acting(world):
    # allauth's e-mail page records an unverified row for an account that had none; a person
    # who joined by invitation (not self-registered) keeps acting for the company.
    vendor = world.people["vendor"]
    EmailAddress.objects.create(user=vendor, email=vendor.email, primary=True, verified=False)
    require(principal_for_person(vendor), Ability.ACT_FOR_COMPANY, world.company)


@pytest.mark.django_db
def test_the_profile_page_tells_an_unconfirmed_person_what_to_do():
    created = _sign_up()
    client = Client()
    client.force_login(created.person)
    response = client.get(reverse("market:vendor"))
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in response.content.decode()
    EmailAddress.objects.filter(user=created.person).update(verified=True)
    assert client.get(reverse("market:vendor")).status_code == 200


@pytest.mark.django_db
def test_another_unit_sees_neither_the_verification_nor_verifies_for_the_first(world):
    created = _sign_up()
    EmailAddress.objects.filter(user=created.person).update(verified=True)
    services.vendor_verify(
        actor=world.principal("staff"), profile=created.profile, note="Register entry 42."
    )
    other = world.principal("outsider")
    from civicloop.market import selectors

    (seen,) = [p for p in selectors.vendor_list(viewer=other) if p.pk == created.profile.pk]
    assert seen.visible_verifications == []  # type: ignore[attr-defined]
    with pytest.raises(Http404):
        services.vendor_verify(actor=other, profile=created.profile, unit=world.unit)
    mine = selectors.vendor_list(viewer=principal_for_person(created.person)).get()
    assert [v.organization for v in mine.visible_verifications] == [world.unit]  # type: ignore[attr-defined]
