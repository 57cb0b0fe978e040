"""Inviting a colleague and resetting a password in a real browser, reading the outbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from civicloop.core.models import Membership, Role
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-new-passphrase-42"


def _link(body: object, pattern: str) -> str:
    found = re.search(pattern, str(body))
    assert found, body
    return found.group(0)


def test_invite_a_colleague_who_sets_a_password_and_signs_in(live_server, page, world):
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(live_server.url + "/people/organisations/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/people/{world.people['evaluator'].pk}/")
    assert_accessible(page)
    page.goto(live_server.url + "/people/")
    assert_accessible(page)
    page.click("#main-content >> text=Invite someone")
    assert_accessible(page)
    page.select_option("#id_organization", label="Test Unit (Transformation unit)")
    page.fill("#id_email", "colleague@example.org")
    page.fill("#id_full_name", "Carmen Colleague")
    page.select_option("#id_role", value=Role.EVALUATOR)
    page.click("#main-content button:has-text('Send invitation')")
    page.wait_for_selector("text=Invitation sent to colleague@example.org")
    assert page.locator("#invitations-table tbody tr").count() == 1
    assert "colleague@example.org" in page.locator("#invitations-table tbody tr").inner_text()
    assert_accessible(page)

    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0].body, r"http://[^\s]+/people/join/\?token=[\w-]+")
    page.context.clear_cookies()
    page.goto(link)
    page.wait_for_selector("text=You are joining Test Unit as Evaluator.")
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD + "-typo")
    page.click("#main-content button:has-text('Set password and continue')")
    page.wait_for_selector("text=The two passwords are not the same.")
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#main-content button:has-text('Set password and continue')")
    page.wait_for_selector("text=Your account is ready")
    assert "/accounts/login/" in page.url

    sign_in(page, live_server.url, "colleague@example.org", PASSWORD)
    assert page.url.endswith("/portfolio/")
    assert Membership.objects.filter(
        person__email="colleague@example.org", organization=world.unit, role=Role.EVALUATOR
    ).exists()
    # the link works once
    page.goto(link)
    assert "already been used" in page.locator("#invitation-problem").inner_text()


def test_forgot_password_through_the_outbox(live_server, page, world):
    page.goto(live_server.url + "/accounts/login/")
    page.click("text=Forgot your password?")
    assert_accessible(page)
    page.fill("input[name=email]", world.people["auditor"].email)
    page.click("#main-content button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/password/reset/done/" in page.url
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0].body, r"http://[^\s]+/accounts/password/reset/key/\S+/")
    page.goto(link)
    page.wait_for_selector("input[name=password1]")
    assert_accessible(page)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("#main-content button[type=submit]")
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server.url, world.people["auditor"].email, PASSWORD)
    assert page.url.endswith("/portfolio/")
