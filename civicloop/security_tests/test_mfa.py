"""F5: nobody who has a second factor signs in with a password alone, on any path, and the roles
that hold the keys to the platform must enrol.

One test per way in: allauth's login form, ``/admin/login/``, any session made by Django's own
``login()`` (what the admin login did), password reset, login by code, and the API with a
session. Codes are made with allauth's own TOTP helpers.
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from cryptography.fernet import Fernet
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory

from civicloop.core.mfa import DEFAULT_REQUIRED_ROLES
from civicloop.core.models import ApiKey, Role
from civicloop.core.tests.factories import MembershipFactory, PersonFactory
from civicloop.web.tests.browser import TEST_PASSWORD

ACTIVATE = "/accounts/2fa/totp/activate/"
BASE_DEFAULT_ROLES = ["unit_staff", "evaluator", "auditor", "admin"]


def _code(secret: str) -> str:
    """The current TOTP code; allauth refuses a code twice, so forget codes already used."""
    cache.clear()
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def _with_totp(person) -> str:
    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    return secret


@pytest.fixture
def admin_user(world):
    """A superuser who is also unit staff (the reviewer's ``mfaadmin``), with TOTP on."""
    person = PersonFactory.create(email="mfaadmin@example.org", is_staff=True, is_superuser=True)
    MembershipFactory.create(person=person, organization=world.unit, role=Role.UNIT_STAFF)
    return person, _with_totp(person)


@pytest.fixture
def enforced(settings):
    """The production rule (test settings turn enrolment off for the rest of the suite)."""
    settings.CIVICLOOP_MFA_REQUIRED_ROLES = BASE_DEFAULT_ROLES
    settings.CIVICLOOP_MFA_EXEMPT_EMAILS = []


def _signed_out(client: Client) -> None:
    """Nothing that needs a signed-in person answers this client."""
    assert client.get("/portfolio/")["Location"].startswith("/accounts/login/")
    admin = client.get("/admin/")
    assert admin.status_code == 302
    assert admin["Location"].startswith(("/admin/login/", "/accounts/login/"))
    assert client.get("/api/v1/problems").status_code == 401
    minted = client.post("/settings/api-keys/", {"name": "stolen", "scope": "write"})
    assert minted.status_code == 302
    assert minted["Location"].startswith("/accounts/login/")
    assert not ApiKey.objects.filter(name="stolen").exists()


def _allauth_sign_in(client: Client, email: str, secret: str | None = None, next_url: str = ""):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"login": email, "password": TEST_PASSWORD})
    if secret is not None:
        assert response["Location"] == "/accounts/2fa/authenticate/"
        response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    return response


# -- every way in ----------------------------------------------------------------------------


def test_allauth_login_with_password_alone_stops_at_the_code(admin_user):
    person, secret = admin_user
    client = Client()
    response = client.post("/accounts/login/", {"login": person.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    _signed_out(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    _signed_out(client)


def test_admin_login_sends_everyone_to_the_allauth_sign_in(admin_user):
    person, _secret = admin_user
    client = Client()
    page = client.get("/admin/login/?next=/admin/auth/group/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=%2Fadmin%2Fauth%2Fgroup%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_admin_login_does_not_accept_a_password(admin_user):
    """The reviewer's bypass: POST /admin/login/ with e-mail and password, no code."""
    person, _secret = admin_user
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": person.email, "password": TEST_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    _signed_out(client)


def test_a_session_made_without_the_code_is_signed_out(admin_user):
    """Any other path that calls Django's login() (as the admin login did) gets no session."""
    person, _secret = admin_user
    client = Client()
    request = RequestFactory().post("/admin/login/")
    assert client.login(request=request, username=person.email, password=TEST_PASSWORD)
    _signed_out(client)
    forced = Client()
    forced.force_login(person)
    _signed_out(forced)


def test_api_with_a_session_made_without_the_code_is_401(admin_user):
    person, _secret = admin_user
    client = Client()
    client.force_login(person)
    response = client.get("/api/v1/problems")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("login_on_reset", [False, True])
def test_password_reset_does_not_sign_in_past_the_code(settings, admin_user, login_on_reset):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset
    person, _secret = admin_user
    client = Client()
    client.post("/accounts/password/reset/", {"email": person.email})
    link = re.search(
        r"https?://testserver(/accounts/password/reset/key/\S+/)", str(mail.outbox[-1].body)
    )
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    new = "a-brand-new-passphrase-42"
    response = client.post(form.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.status_code == 302
    assert not response["Location"].startswith(("/portfolio/", "/admin/"))
    _signed_out(client)


def test_login_by_code_is_not_a_way_in(admin_user):
    person, _secret = admin_user
    client = Client()
    assert client.post("/accounts/login/code/", {"email": person.email}).status_code == 404
    client.post("/accounts/login/code/confirm/", {"code": "ABCDEF"})
    _signed_out(client)


def test_superuser_who_completed_mfa_uses_the_admin(admin_user):
    person, secret = admin_user
    client = Client()
    start = client.get("/admin/")
    assert start["Location"].startswith("/admin/login/")
    login_page = client.get(start["Location"])
    assert login_page["Location"].startswith("/accounts/login/?next=")
    response = _allauth_sign_in(client, person.email, secret)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200
    assert client.get("/admin/login/?next=/admin/auth/group/")["Location"] == "/admin/auth/group/"
    assert client.get("/api/v1/problems").status_code == 200


def test_admin_next_survives_the_sign_in(admin_user):
    person, secret = admin_user
    client = Client()
    client.post(
        "/accounts/login/?next=/admin/auth/group/",
        {"login": person.email, "password": TEST_PASSWORD},
    )
    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response["Location"] == "/admin/auth/group/"


def test_signed_in_non_staff_cannot_use_the_admin(world):
    client = world.client("vendor")
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302


# -- required roles enrol at their next sign-in ------------------------------------------------


def test_the_default_requires_mfa_of_staff_evaluators_auditors_and_admins():
    import config.settings.base as base

    assert base.CIVICLOOP_MFA_REQUIRED_ROLES == BASE_DEFAULT_ROLES
    assert base.CIVICLOOP_MFA_EXEMPT_EMAILS == []
    assert sorted(DEFAULT_REQUIRED_ROLES) == sorted(BASE_DEFAULT_ROLES)


def test_production_keeps_the_default_and_exempts_nobody(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("CIVICLOOP_SEALING_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("CIVICLOOP_FIELD_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv("CIVICLOOP_MFA_REQUIRED_ROLES", raising=False)
    root = Path(__file__).resolve().parents[2]
    production = runpy.run_path(str(root / "config" / "settings" / "production.py"))
    assert production["CIVICLOOP_MFA_REQUIRED_ROLES"] == BASE_DEFAULT_ROLES
    assert production["CIVICLOOP_MFA_EXEMPT_EMAILS"] == []
    dev = runpy.run_path(str(root / "config" / "settings" / "dev.py"))
    assert dev["CIVICLOOP_MFA_EXEMPT_EMAILS"] == ["*@demo.civicloop.test"]
    assert os.environ["SECRET_KEY"] == "x" * 50


@pytest.mark.parametrize("role", ["staff", "evaluator", "auditor", "superuser"])
def test_required_roles_must_enrol_before_anything_else(world, enforced, role):
    if role == "superuser":
        person = PersonFactory.create(email="root@example.org", is_staff=True, is_superuser=True)
    else:
        person = world.people[role]
    client = Client()
    _allauth_sign_in(client, person.email)
    page = client.get("/portfolio/")
    assert page.status_code == 302
    assert page["Location"] == ACTIVATE
    # allauth asks for the password once more before changing security settings.
    reauth = client.get(ACTIVATE)
    assert reauth["Location"].startswith("/accounts/reauthenticate/")
    assert "requires two-factor authentication" in client.get(reauth["Location"]).content.decode()
    assert client.post(reauth["Location"], {"password": TEST_PASSWORD})["Location"] == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200
    for blocked in ("/", "/audit/", "/settings/api-keys/", "/admin/", "/market/"):
        assert client.get(blocked)["Location"] == ACTIVATE, blocked
    refused = client.post("/settings/api-keys/", {"name": "k", "scope": "write"})
    assert refused["Location"] == ACTIVATE
    assert not ApiKey.objects.filter(name="k").exists()
    api = client.get("/api/v1/problems")
    assert api.status_code == 403
    assert api["Content-Type"].startswith("application/problem+json")
    assert api.json()["title"] == "Two-factor authentication required"
    assert ACTIVATE in api.json()["detail"]
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200
    # Enrolling (a valid code for the new secret) lets them in, in this same session.
    secret = client.session[SECRET_SESSION_KEY]
    done = client.post(ACTIVATE, {"code": _code(secret)})
    assert done.status_code == 302
    assert client.get("/admin/" if role == "superuser" else "/portfolio/").status_code == 200
    assert client.get("/api/v1/problems").status_code == 200


def test_api_keys_keep_working_for_a_unit_whose_staff_has_not_enrolled(world, enforced):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    assert client.get("/api/v1/problems").status_code == 200


@pytest.mark.parametrize("role", ["official", "vendor"])
def test_other_roles_are_not_forced(world, enforced, role):
    client = Client()
    _allauth_sign_in(client, world.people[role].email)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] != ACTIVATE


def test_demo_accounts_are_exempt_only_when_the_settings_say_so(world, enforced, settings):
    person = PersonFactory.create(email="staff@demo.civicloop.test")
    MembershipFactory.create(person=person, organization=world.unit, role=Role.UNIT_STAFF)
    client = Client()
    _allauth_sign_in(client, person.email)
    assert client.get("/portfolio/")["Location"] == ACTIVATE
    client.post("/accounts/logout/")
    settings.CIVICLOOP_MFA_EXEMPT_EMAILS = ["*@demo.civicloop.test"]
    exempt = Client()
    _allauth_sign_in(exempt, person.email)
    assert exempt.get("/portfolio/").status_code == 200


def test_enrolled_staff_signs_in_with_the_code(world, enforced):
    person = world.people["staff"]
    secret = _with_totp(person)
    client = Client()
    _allauth_sign_in(client, person.email, secret)
    assert client.get("/portfolio/").status_code == 200
    assert client.get("/api/v1/problems").status_code == 200


# -- API keys are minted only by people who enrolled ------------------------------------------


def test_a_person_without_a_second_factor_cannot_create_an_api_key(world):
    client = world.client("staff")
    page = client.get("/settings/api-keys/")
    assert "only people who use two-factor authentication can create one" in page.content.decode()
    response = client.post("/settings/api-keys/", {"name": "k", "scope": "write"})
    assert response.status_code == 403
    assert not ApiKey.objects.filter(name="k").exists()


def test_a_person_who_enrolled_creates_an_api_key(world):
    person = world.people["staff"]
    secret = _with_totp(person)
    client = Client()
    _allauth_sign_in(client, person.email, secret)
    response = client.post("/settings/api-keys/", {"name": "k", "scope": "write"})
    assert response.status_code == 201
    assert ApiKey.objects.filter(name="k", created_by=person).exists()
