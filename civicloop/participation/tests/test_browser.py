"""A citizen signs up (verification mail from the outbox), proposes; another supports; staff
moderate and turn it into a portfolio problem. On a 390 px wide phone, axe on public pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from civicloop.participation.models import Proposal, ProposalStatus
from civicloop.participation.tests.conftest import make_citizen
from civicloop.web.tests.browser import TEST_PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-citizen-passphrase-42"


def _sign_out(page) -> None:
    page.context.clear_cookies()


def test_a_citizen_proposal_becomes_a_portfolio_problem(live_server, browser, world):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    supporter = make_citizen("bea@example.net", name="Bea on the bus")

    # an anonymous visitor on a phone reads the public page and signs up
    page.goto(base + "/participate/")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#main-content >> text=Sign up to take part")
    assert_accessible(page)
    page.fill("#id_email", "carla@example.net")
    page.fill("#id_display_name", "Carla C.")
    page.select_option("#id_language", value="en")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#main-content button:has-text('Sign up')")
    page.wait_for_load_state("networkidle")
    assert "/accounts/confirm-email/" in page.url  # verification sent; not signed in yet
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    page.goto(link.group(0))
    page.click("#main-content button[type=submit]")
    page.wait_for_load_state("networkidle")
    sign_in(page, base, "carla@example.net", PASSWORD)

    # she proposes a problem
    page.goto(base + "/participate/propose/")
    page.select_option("#id_unit_id", label="Test Unit")
    page.check("input[name=kind][value=problem]")
    page.fill("#id_title", "No ramp at the library entrance")
    page.fill("#id_body", "Wheelchair users cannot enter the central library; call 612 345 678.")
    page.click("#main-content button:has-text('Send for moderation')")
    page.wait_for_selector("text=your proposal will be published after moderation")
    proposal = Proposal.objects.get()
    assert "612 345 678" not in proposal.body
    assert proposal.status == ProposalStatus.PENDING

    # staff publish it
    _sign_out(page)
    sign_in(page, base, world.people["staff"].email)
    page.goto(base + "/participate/staff/")
    page.click("#queue-proposals >> text=No ramp at the library entrance")
    page.check("input[name=decision][value=publish]")
    page.click("#main-content button:has-text('Save decision')")
    page.wait_for_selector("text=Take it into the portfolio")

    # another citizen supports it
    _sign_out(page)
    assert supporter.person is not None
    sign_in(page, base, supporter.person.email, TEST_PASSWORD)
    page.goto(f"{base}/participate/{proposal.pk}/")
    page.click("#main-content button:has-text('Support this proposal')")
    page.wait_for_selector("text=1 person supports this.")
    assert_accessible(page)

    # staff turn it into a portfolio problem
    _sign_out(page)
    sign_in(page, base, world.people["staff"].email)
    page.goto(f"{base}/participate/staff/citizen-proposals/{proposal.pk}/")
    page.select_option("#id_owner_agency", label="Housing Agency")
    page.select_option("#id_facet", value="enhancement")
    page.click("#main-content button:has-text('Create the portfolio problem')")
    page.wait_for_selector("text=Portfolio problem:")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_PORTFOLIO and proposal.problem is not None

    # the public sees where it went, on a phone
    _sign_out(page)
    page.goto(f"{base}/participate/{proposal.pk}/")
    page.wait_for_selector("text=Taken into the portfolio")
    assert "612 345 678" not in page.content()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
