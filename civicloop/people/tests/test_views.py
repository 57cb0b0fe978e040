"""The people pages and API: scope answers 404, deactivation bites on the next request."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from civicloop.core.models import AuditEvent, Membership, Person, Role
from civicloop.core.services import apikey_create
from civicloop.core.tests.factories import MembershipFactory, PersonFactory
from civicloop.people.events import PeopleEvent

PASSWORD = "a-long-new-passphrase-42"


def _join_link(body: object) -> str:
    """The invitation link in a mail's body (the body is text once the mail is sent)."""
    found = re.search(r"http://testserver(/people/join/\?token=\S+)", str(body))
    assert found, body
    return found.group(1)


def _api_client(person: Person) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(person)
    return client


def test_staff_invite_through_the_page_and_the_colleague_accepts(world):
    client = world.client("staff")
    response = client.post(
        "/people/invite/",
        {
            "organization": world.unit.pk,
            "email": "Colleague@Example.org",
            "full_name": "",
            "role": Role.AUDITOR,
            "language": "en",
        },
    )
    assert response.status_code == 302
    link = _join_link(mail.outbox[0].body)
    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200 and b"Test Unit" in page.content
    done = anonymous.post(
        link, {"full_name": "Col League", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"].startswith("/accounts/login/")
    assert (
        anonymous.post(
            "/accounts/login/", {"login": "colleague@example.org", "password": PASSWORD}
        ).status_code
        == 302
    )
    # the link works once
    again = Client().get(link)
    assert again.status_code == 404 and b"already been used" in again.content


def test_mismatched_passwords_name_the_field(world):
    client = world.client("staff")
    client.post(
        "/people/invite/",
        {
            "organization": world.unit.pk,
            "email": "c@example.org",
            "role": Role.AUDITOR,
            "language": "en",
        },
    )
    link = _join_link(mail.outbox[0].body)
    page = Client().post(link, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert page.status_code == 422
    assert b"The two passwords are not the same" in page.content
    assert not Person.objects.filter(email="c@example.org").exists()


def test_invite_page_names_the_field_on_bad_input(world):
    page = world.client("staff").post(
        "/people/invite/",
        {
            "organization": world.unit.pk,
            "email": "c@example.org",
            "role": Role.VENDOR,
            "language": "en",
        },
    )
    assert page.status_code == 422
    assert b"Choose a role that exists in this kind of organisation" in page.content


@pytest.mark.parametrize("role", ["evaluator", "auditor", "vendor", "official", None])
def test_people_pages_do_not_exist_for_non_admins(world, role):
    client = world.client(role)
    for path in ["/people/", "/people/invite/", "/people/invitations/", "/people/organisations/"]:
        response = client.get(path)
        assert response.status_code == (404 if role else 302), path


def test_staff_of_another_unit_get_404_for_this_units_people(world):
    client = world.client("outsider")
    evaluator = world.people["evaluator"]
    membership = Membership.objects.get(person=evaluator)
    assert client.get(f"/people/{evaluator.pk}/").status_code == 404
    assert client.post(f"/people/{evaluator.pk}/deactivate/").status_code == 404
    assert client.post(f"/people/roles/{membership.pk}/", {"role": "auditor"}).status_code == 404
    assert client.get(f"/api/v1/people/{evaluator.pk}").status_code == 404
    assert (
        client.post(
            "/api/v1/invitations",
            {"organization_id": world.unit.pk, "email": "x@example.org", "role": "evaluator"},
            content_type="application/json",
        ).status_code
        == 404
    )
    evaluator.refresh_from_db()
    assert evaluator.is_active


def test_people_list_filters_and_pins_its_queries(world, django_assert_max_num_queries):
    client = world.client("staff")
    for n in range(5):
        MembershipFactory.create(
            person=PersonFactory.create(email=f"p{n}@example.org"),
            organization=world.unit,
            role=Role.EVALUATOR,
        )
    with django_assert_max_num_queries(14):
        page = client.get("/people/", {"role": "evaluator"})
    assert page.status_code == 200
    assert page.content.count(b'href="/people/') >= 6
    assert b"auditor@example.org" not in page.content
    api = client.get("/api/v1/people/memberships", {"organization_id": world.agency.pk})
    assert [m["email"] for m in api.json()["items"]] == ["official@example.org"]


def test_api_keys_cannot_manage_people(world):
    secret = world.api_key("write")
    response = Client().post(
        "/api/v1/invitations",
        {"organization_id": world.unit.pk, "email": "x@example.org", "role": "evaluator"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 404  # a key manages no organisation
    listed = Client().get("/api/v1/people/memberships", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listed.status_code == 200 and listed.json()["items"] == []
    staff = world.people["staff"]
    assert (
        Client()
        .get(f"/api/v1/people/{staff.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
        .status_code
        == 404
    )
    new_org = Client().post(
        "/api/v1/people/organizations",
        {"kind": "agency", "name": "Key Agency"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert new_org.status_code == 403 and "signed-in person" in new_org.json()["detail"]


def test_api_errors_name_the_field(world):
    response = world.client("staff").post(
        "/api/v1/invitations",
        {"organization_id": world.unit.pk, "email": "not-an-address", "role": "evaluator"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"


def test_deactivation_takes_effect_on_the_next_request(world, settings):
    settings.CIVICLOOP_MFA_EXEMPT_EMAILS = ["*"]  # the evaluator mints a key without enrolling
    evaluator = world.people["evaluator"]
    Membership.objects.create(person=evaluator, organization=world.unit, role=Role.UNIT_STAFF)
    session = Client()
    session.force_login(evaluator)
    key = apikey_create(actor=None, organization=world.unit, name="theirs", scope="write")
    key.api_key.created_by = evaluator
    key.api_key.save()
    assert session.get("/portfolio/").status_code == 200
    assert (
        Client().get("/api/v1/problems", HTTP_AUTHORIZATION=f"Bearer {key.secret}").status_code
        == 200
    )

    admin = world.client("staff")
    assert admin.post(f"/people/{evaluator.pk}/deactivate/").status_code == 302

    assert session.get("/portfolio/").status_code == 302  # signed out
    assert session.get("/api/v1/problems").status_code == 401
    assert (
        Client().get("/api/v1/problems", HTTP_AUTHORIZATION=f"Bearer {key.secret}").status_code
        == 401
    )
    refused = Client().post(
        "/accounts/login/", {"login": evaluator.email, "password": "correct-horse-battery"}
    )
    assert refused["Location"] == "/accounts/inactive/"  # allauth's "account inactive" page
    event = AuditEvent.objects.get(action=PeopleEvent.PERSON_DEACTIVATED)
    assert event.metadata["sessions_ended"] == 1
    assert event.metadata["api_keys_revoked"] == [key.api_key.prefix]
    assert AuditEvent.objects.filter(action="core.api_key_revoked").count() == 1

    assert admin.post(f"/people/{evaluator.pk}/reactivate/").status_code == 302
    evaluator.refresh_from_db()
    assert evaluator.is_active
    assert AuditEvent.objects.filter(action=PeopleEvent.PERSON_REACTIVATED).count() == 1


def test_staff_add_an_agency_and_cannot_add_a_unit(world):
    client = world.client("staff")
    response = client.post("/people/organisations/", {"kind": "agency", "name": "Parks Office"})
    assert response.status_code == 302
    assert world.unit.partners.filter(name="Parks Office").exists()
    refused = client.post("/people/organisations/", {"kind": "unit", "name": "Rogue"})
    assert refused.status_code == 422  # "unit" is not among the choices offered to staff
    api = client.post(
        "/api/v1/people/organizations",
        {"kind": "unit", "name": "Rogue"},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "kind"


def test_admin_is_for_staff_with_a_second_factor(world):
    operator = Person.objects.create_superuser(email="root@example.org", password=PASSWORD)
    client = Client()
    client.force_login(operator)  # no second factor in this session
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and "/accounts/2fa/" in follow["Location"]
    assert world.client("staff").get("/admin/core/person/").status_code == 302


def test_operators_with_a_second_factor_read_the_admin_but_do_not_edit_in_place(world):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    operator = Person.objects.create_superuser(email="root@example.org", password=PASSWORD)
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    client = Client()
    client.post("/accounts/login/?next=/admin/", {"login": operator.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    people = client.get("/admin/core/person/")
    assert people.status_code == 200 and b"staff@example.org" in people.content
    assert client.get("/admin/core/person/add/").status_code == 403
    assert client.get("/admin/core/auditevent/1/delete/").status_code in (403, 404)


def test_an_invited_evaluator_is_taken_to_mfa_enrolment_at_first_sign_in(world, settings):
    settings.CIVICLOOP_MFA_REQUIRED_ROLES = ["unit_staff", "evaluator", "auditor", "admin"]
    staff = world.principal("staff")
    from civicloop.people import services

    sent = services.invitation_create(
        actor=staff,
        organization=world.unit,
        email="eva@example.org",
        role=Role.EVALUATOR,
        base_url="http://testserver/",
    )
    token = re.search(r"token=([\w-]+)", sent.link).group(1)  # type: ignore[union-attr]
    client = Client()
    client.post(f"/people/join/?token={token}", {"password1": PASSWORD, "password2": PASSWORD})
    response = client.post("/accounts/login/", {"login": "eva@example.org", "password": PASSWORD})
    assert client.get(response["Location"])["Location"] == "/accounts/2fa/totp/activate/"


def test_someone_with_an_account_accepts_by_signing_in(world):
    from civicloop.people import services

    vendor = world.people["vendor"]
    sent = services.invitation_create(
        actor=world.principal("staff"),
        organization=world.agency,
        email=vendor.email,
        role=Role.AGENCY_OFFICIAL,
        base_url="http://testserver/",
    )
    path = sent.link.replace("http://testserver", "")
    anonymous = Client().get(path)
    assert b"already has an account" in anonymous.content
    client = world.client("vendor")
    assert client.post(path, {"token": path.split("token=")[1]}).status_code == 302
    assert Membership.objects.filter(
        person=vendor, organization=world.agency, role=Role.AGENCY_OFFICIAL
    ).exists()
