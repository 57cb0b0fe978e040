"""E-mail: EMAIL_URL, sending in a task with retries, password reset and verification."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.core.tests.factories import PersonFactory
from civicloop.people.email_url import email_config

NEW_PASSWORD = "another-long-passphrase-7"


def test_email_url_forms():
    smtp = email_config("smtp://user%40city.gov:p%2Fss@mail.city.gov:587")
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"]) == ("mail.city.gov", 587)
    assert (smtp["EMAIL_HOST_USER"], smtp["EMAIL_HOST_PASSWORD"]) == ("user@city.gov", "p/ss")
    assert smtp["EMAIL_USE_TLS"] and not smtp["EMAIL_USE_SSL"]
    smtps = email_config("smtps://mail.city.gov?timeout=5")
    assert smtps["EMAIL_PORT"] == 465 and smtps["EMAIL_USE_SSL"] and not smtps["EMAIL_USE_TLS"]
    assert smtps["EMAIL_TIMEOUT"] == 5
    assert email_config("smtp://localhost")["EMAIL_PORT"] == 25
    assert email_config("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_config("locmem://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")
    with pytest.raises(ValueError, match="EMAIL_URL"):
        email_config("pop3://mail.city.gov")
    with pytest.raises(ValueError, match="host"):
        email_config("smtp://")


class RefusingBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_password_reset_never_answers_500_when_the_mail_server_is_down(db, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.CIVICLOOP_EMAIL_MAX_ATTEMPTS = 3
    PersonFactory.create(email="a@example.org")
    with caplog.at_level(logging.WARNING, logger="civicloop.mail"):
        response = Client().post("/accounts/password/reset/", {"email": "a@example.org"})
    assert response.status_code == 302
    warnings = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(warnings) == 2  # attempts 1 and 2 retried, the 3rd gives up
    assert any("giving up" in r.getMessage() for r in caplog.records)


def test_a_failed_send_is_retried_later_by_the_worker(db, settings, run_task_worker):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    PersonFactory.create(email="a@example.org")
    Client().post("/accounts/password/reset/", {"email": "a@example.org"})
    assert mail.outbox == []
    run_task_worker()
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"][1] == 2  # attempt number 2, deferred
    assert retry.run_after is not None
    # the server is back: the retry delivers
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry.run_after > timezone.now() + timedelta(seconds=50)  # back-off: a minute
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    run_task_worker()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.org"]


def _reset_link(body: object) -> str:
    found = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", str(body))
    assert found, body
    return found.group(1)


def test_password_reset_end_to_end(db):
    PersonFactory.create(email="a@example.org")
    client = Client()
    assert client.post("/accounts/password/reset/", {"email": "a@example.org"}).status_code == 302
    link = _reset_link(mail.outbox[0].body)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in = Client().post(
        "/accounts/login/", {"login": "a@example.org", "password": NEW_PASSWORD}
    )
    # signed in with the new password; a person with no role yet lands on the public portal
    assert signed_in.status_code == 302 and signed_in["Location"] == "/public/"


def test_password_reset_mail_is_in_spanish_for_a_spanish_page(db):
    PersonFactory.create(email="a@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.post("/accounts/password/reset/", {"email": "a@example.org"})
    assert "contraseña" in mail.outbox[0].subject.lower() or "contraseña" in mail.outbox[0].body


def test_a_new_address_is_verified_by_its_link(world):
    person = world.people["vendor"]
    client = world.client("vendor")
    response = client.post("/accounts/email/", {"action_add": "", "email": "second@example.org"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["second@example.org"]
    found = re.search(
        r"https?://testserver(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body)
    )
    assert found, mail.outbox[-1].body
    link = found.group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=person, email="second@example.org").verified
