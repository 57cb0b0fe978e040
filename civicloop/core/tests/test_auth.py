"""Signing in: passwords, TOTP two-factor authentication, lockout after repeated failures."""

import time

from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

from civicloop.web.tests.browser import TEST_PASSWORD


def _code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def test_sign_in_lands_on_the_portfolio(world):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "staff@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/portfolio/"


def test_nobody_can_sign_themselves_up(db):
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "x@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    assert response.status_code == 200
    from civicloop.core.models import Person

    assert not Person.objects.filter(email="x@example.org").exists()


def test_staff_can_enable_totp_and_then_need_a_code(world):
    client = Client()
    client.post("/accounts/login/", {"login": "staff@example.org", "password": TEST_PASSWORD})
    # Changing security settings asks for the password again.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302
    client.post("/accounts/logout/")

    second = Client()
    response = second.post(
        "/accounts/login/", {"login": "staff@example.org", "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert second.get("/portfolio/").status_code == 302  # not signed in yet
    wrong = second.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    ok = second.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert ok.status_code == 302
    assert second.get("/portfolio/").status_code == 200


def test_repeated_failed_sign_ins_lock_the_account(world):
    client = Client()
    for _ in range(5):
        client.post(
            "/accounts/login/", {"login": "staff@example.org", "password": "wrong password"}
        )
    response = client.post(
        "/accounts/login/", {"login": "staff@example.org", "password": TEST_PASSWORD}
    )
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/portfolio/").status_code == 302  # the right password did not sign in
