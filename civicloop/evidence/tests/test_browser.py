"""The impact report and the shared executive summary in a real browser, checked with axe."""

import pytest

from civicloop.evidence import services
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_and_shared_summary_are_accessible(live_server, page, world, evidenced):
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/evidence/problems/{evidenced.pk}/")
    assert page.locator("#efficiency").inner_text().count("424,560") == 1
    assert_accessible(page)
    page.click("button:has-text('Create link')")
    page.wait_for_load_state("networkidle")
    assert "shown only once" in page.content()
    new = services.shared_link_create(
        actor=world.principal("staff"), problem=evidenced, language="es"
    )
    token = new.token
    anonymous = page.context.browser.new_context().new_page()
    anonymous.goto(f"{live_server.url}/evidence/s/{token}/")
    assert "Ahorro anual" in anonymous.content()
    assert_accessible(anonymous)
    anonymous.context.close()
    page.goto(f"{live_server.url}/evidence/links/{new.link.pk}/views/")
    assert "1 view" in page.locator("#view-total").inner_text()
    assert_accessible(page)


def test_report_without_service_figures_names_them_and_is_accessible(
    live_server, page, world, unpriced
):
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/evidence/problems/{unpriced.pk}/")
    missing = page.locator("#missing-inputs").inner_text()
    assert "Licence renewals: enter the value per outcome unit to see savings." in missing
    assert_accessible(page)
