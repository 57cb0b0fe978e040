"""The market in a real browser: the public challenge page, a vendor sealing a proposal, and
the unit's workspace, each checked with axe."""

import pytest

from civicloop.market.models import Proposal
from civicloop.market.tests.factories import open_challenge
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_page_vendor_submits_and_unit_workspace(live_server, page, world):
    challenge, _ = open_challenge(world)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/")
    assert page.locator("h1").inner_text() == challenge.title
    assert_accessible(page)

    sign_in(page, live_server.url, world.people["vendor"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/propose/")
    assert_accessible(page)
    page.fill("#id_content", "We will interview shopkeepers and pilot a three-step online form.")
    page.fill("#id_price", "25000")
    page.click("button:has-text('Submit sealed proposal')")
    page.wait_for_load_state("networkidle")
    proposal = Proposal.objects.get()
    assert page.url.endswith(f"/market/proposals/{proposal.pk}/")
    assert "three-step online form" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/manage/")
    assert "sealed until the deadline" in page.content()
    assert "three-step online form" not in page.content()
    assert_accessible(page)


def test_unit_edits_a_published_challenge_and_runs_the_contract(live_server, page, world):
    """Edit page (with its error summary) and contract page (milestones, payments), with axe."""
    from civicloop.market.models import ChangeLogEntry, Payment
    from civicloop.market.tests.conftest import Market
    from civicloop.market.tests.factories import awarded_contract, rival_vendor, submit

    challenge, phase = open_challenge(world)
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/edit/")
    assert_accessible(page)
    page.fill("#id_outcomes_sought", "Half of renewals online within a year, measured monthly.")
    page.click("button:has-text('Save changes')")
    page.wait_for_load_state("networkidle")
    assert "Reason for the change" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_reason", "Vendors asked for a measurable target.")
    page.click("button:has-text('Save changes')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/market/challenges/{challenge.pk}/manage/")
    # Only the field the person changed is logged (the deadline input round-trips unchanged).
    assert list(ChangeLogEntry.objects.values_list("field", flat=True)) == ["outcomes_sought"]

    proposal = submit(world, challenge, phase, world.company, "browser plan")
    rival = rival_vendor()
    market = Market(challenge, phase, proposal, rival, proposal)
    contract = awarded_contract(world, market)
    page.goto(f"{live_server.url}/market/contracts/{contract.pk}/")
    page.fill("#id_milestone-title", "Discovery report")
    page.fill("#id_milestone-due_on", "2030-01-31")
    page.click("button:has-text('Add milestone')")
    page.wait_for_load_state("networkidle")
    page.fill("#id_payment-amount", "50000")
    page.fill("#id_payment-paid_on", "2030-02-01")
    page.click("button:has-text('Record payment')")
    page.wait_for_load_state("networkidle")
    assert "exceed the contract value" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_payment-amount", "10000")
    page.select_option("#id_payment-milestone", label="Discovery report")
    page.click("button:has-text('Record payment')")
    page.wait_for_load_state("networkidle")
    assert Payment.objects.get().milestone.title == "Discovery report"
    assert "25.0% of the contract value" in page.locator("#paid-total").inner_text()
    assert_accessible(page)
