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
    # Rich-text fields are edited in the editor (the textarea behind it is what the form sends).
    page.fill(
        "#id_outcomes_sought-editor", "Half of renewals online within a year, measured monthly."
    )
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
    milestone = Payment.objects.get().milestone
    assert milestone is not None and milestone.title == "Discovery report"
    assert "25.0% of the contract value" in page.locator("#paid-total").inner_text()
    assert_accessible(page)


def test_rich_text_editor_formats_without_html(live_server, page, world):
    """The toolbar makes bold text and lists; what is saved is sanitised HTML, never typed tags."""
    challenge, _ = open_challenge(world)
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/edit/")
    assert page.locator("#id_timeline").is_hidden()
    editor = page.locator("#id_timeline-editor")
    assert editor.get_attribute("role") == "textbox"
    toolbar = page.locator(".cl-richtext", has=editor).get_by_role("toolbar")
    editor.click()
    toolbar.get_by_role("button", name="Bold").click()
    page.keyboard.type("Six months")
    toolbar.get_by_role("button", name="Bold").click()
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("Feasibility first")
    assert_accessible(page)
    page.fill("#id_reason", "Vendors asked for the timeline of the phases.")
    page.click("button:has-text('Save changes')")
    page.wait_for_load_state("networkidle")
    challenge.refresh_from_db()
    assert ("<b>Six months</b>" in challenge.timeline) or (
        "<strong>Six months</strong>" in challenge.timeline
    )
    assert "<li>Feasibility first" in challenge.timeline
    # Only the field edited in the editor changed; the untouched rich fields are as they were.
    from civicloop.market.models import ChangeLogEntry

    assert list(ChangeLogEntry.objects.values_list("field", flat=True)) == ["timeline"]


def test_award_pages_and_the_vendor_dashboard(live_server, page, world):
    """Workspace (phases against budget, unscored flag, close a phase), the evaluator's
    declaration before opening, the public award, and a vendor's landing page, with axe."""
    from decimal import Decimal

    from civicloop.market import services
    from civicloop.market.tests.factories import close_submissions, rival_vendor, submit

    challenge, phase = open_challenge(world)
    services.challenge_update(actor=world.principal("staff"), challenge=challenge)
    proposal = submit(world, challenge, phase, world.company, "browser plan")
    rival = rival_vendor()
    submit(rival.person, challenge, phase, rival.company, "rival plan")
    close_submissions(challenge, world=world)

    sign_in(page, live_server.url, world.people["evaluator"].email)
    page.goto(f"{live_server.url}/market/proposals/{proposal.pk}/")
    assert "browser plan" not in page.content()
    assert_accessible(page)
    page.check("#coi-no")
    page.click("button:has-text('Declare')")
    page.wait_for_load_state("networkidle")
    assert "browser plan" in page.content()

    page.context.clear_cookies()
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/manage/")
    assert "Not scored" in page.content() and "Phases, budgets and awards" in page.content()
    assert_accessible(page)
    services.award_decide(
        actor=world.principal("staff"),
        proposal=proposal,
        amount=Decimal("40000"),
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/")
    assert "The clearest plan for shopkeepers" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server.url, world.people["vendor"].email)
    assert page.url.endswith("/market/company/")
    assert proposal.code in page.content()
    assert_accessible(page)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    assert "by invitation only" in page.content()
    assert_accessible(page)
