"""A startup registers, confirms its address from the outbox, completes its profile, is
verified by a unit, submits, and receives its receipt and award notice by e-mail."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from django.core import mail

from civicloop.core.models import Organization
from civicloop.market import services
from civicloop.market.models import Proposal, VendorProfile
from civicloop.market.tests.factories import close_submissions, open_challenge
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough passphrase 42"
OFFER = "We will interview shopkeepers and pilot a three-step online licence renewal form."


def _link(body: str, pattern: str) -> str:
    found = re.search(pattern, body)
    assert found, body
    return found.group(0)


def _register(page, base: str) -> None:
    page.goto(base + "/market/register/")
    assert_accessible(page)
    page.fill("#id_company_name", "Datos Abiertos SL")
    page.fill("#id_country", "ES")
    page.fill("#id_founding_year", "2019")
    page.fill("#id_staff_headcount", "8")
    page.fill("#id_annual_turnover_eur", "1500000")
    page.fill("#id_balance_sheet_eur", "900000")
    page.fill("#id_full_name", "Ana Ruiz")
    page.fill("#id_email", "ana@datos.example")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD + " typo")
    page.click("#main-content button:has-text('Register')")
    page.wait_for_selector("text=The two passwords differ")  # the field and the rule
    assert_accessible(page)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#main-content button:has-text('Register')")
    page.wait_for_load_state("networkidle")
    assert "/accounts/confirm-email/" in page.url
    assert_accessible(page)


def test_startup_registers_verifies_completes_profile_and_gets_its_notices(
    live_server, page, world
):
    challenge, phase = open_challenge(world)
    base = live_server.url
    _register(page, base)
    company = Organization.objects.get(name="Datos Abiertos SL")
    assert company.sme_size == "micro"  # 8 staff, €1.5 m turnover (Recommendation 2003/361/EC)

    # Before confirming, the person cannot act for the company (the gate, not only the page).
    sign_in(page, base, "ana@datos.example", PASSWORD)
    refused = page.goto(f"{base}/market/challenges/{challenge.pk}/propose/")
    assert refused is not None and refused.status == 404
    page.context.clear_cookies()

    (verification,) = mail.outbox
    link = _link(str(verification.body), r"http://[^\s]+/accounts/confirm-email/[^\s/]+/")
    page.goto(link)
    assert_accessible(page)
    page.click("#main-content button[type=submit]")
    page.wait_for_load_state("networkidle")

    sign_in(page, base, "ana@datos.example", PASSWORD)
    page.goto(base + "/market/vendor/")
    assert_accessible(page)
    assert "Not verified yet" in page.content()
    page.fill("#id_capabilities", "Online forms, user research with shopkeepers, open data.")
    page.fill("#id_sectors", "72, licences")
    page.click("#main-content button:has-text('Save profile')")
    page.wait_for_selector("text=Profile saved")
    assert VendorProfile.objects.get(organization=company).sectors == ["72", "licences"]
    assert_accessible(page)

    services.vendor_verify(
        actor=world.principal("staff"), profile=company.vendor_profile, note="Register entry 42."
    )
    page.goto(base + "/market/vendor/")
    assert "Verified" in page.content()

    mail.outbox.clear()
    page.goto(f"{base}/market/challenges/{challenge.pk}/propose/")
    page.fill("#id_content", OFFER)
    page.fill("#id_price", "25000")
    page.click("button:has-text('Submit sealed proposal')")
    page.wait_for_load_state("networkidle")
    proposal = Proposal.objects.get(vendor=company)
    (receipt,) = [m for m in mail.outbox if "Receipt" in m.subject]
    assert hashlib.sha256(OFFER.encode()).hexdigest() in receipt.body

    page.goto(base + "/notifications/")
    assert "Receipt: proposal" in page.content()
    assert_accessible(page)

    close_submissions(challenge, world=world)
    services.award_decide(
        actor=world.principal("staff"),
        proposal=proposal,
        amount=Decimal("25000"),
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    (award,) = [m for m in mail.outbox if "was awarded" in m.subject]
    assert award.to == ["ana@datos.example"] and "standstill period ends on" in award.body
    page.goto(base + "/notifications/settings/")
    assert_accessible(page)
