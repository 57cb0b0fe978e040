"""The audit log uses a wide screen's width; the audit log, an event's before and after, and
the account page pass axe."""

import pytest

from civicloop.core import services
from civicloop.core.audit import audit_record
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_audit_log_pages_and_account_page_are_accessible_and_wide(live_server, browser, world):
    services.unit_weights_update(
        actor=world.principal("staff"),
        unit=world.unit,
        weights={"impact": 2, "reach": 1, "urgency": 1, "effort": 1},
    )
    event = audit_record(actor=None, action="test.looked", organization=world.unit)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, world.people["auditor"].email)
        page.goto(f"{live_server.url}/audit/")
        container = page.locator("main").locator("xpath=..")
        box = container.bounding_box()
        assert box is not None and box["width"] > 1200  # not GOV.UK's 960 px column
        assert_accessible(page)
        page.click("text=Filter the log")
        page.select_option("#id_actor", str(world.people["staff"].pk))
        page.click("button:has-text('Apply filters')")
        page.wait_for_load_state("networkidle")
        assert page.locator("tbody tr").count() == 1
        assert_accessible(page)
        page.goto(f"{live_server.url}/audit/{event.sequence - 1}/")
        assert page.locator("#audit-diff ins").count() >= 1
        assert_accessible(page)
        page.goto(f"{live_server.url}/settings/account/")
        assert_accessible(page)
    finally:
        context.close()
