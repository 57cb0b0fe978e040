"""The public sandbox registry on a 390 px phone: nothing cut off, nothing wider than the
screen, and still accessible (axe)."""

import pytest

from civicloop.web.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sandbox_registry_fits_a_390_px_screen(live_server, browser, scaled):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/scaling/registry/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        table = page.locator("#registry")
        assert table.get_attribute("class") and "cl-stack" in table.get_attribute("class")
        status = page.locator("#registry tbody tr").first.locator("td").last
        box = status.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert status.get_attribute("data-label") == "Status"
        assert status.inner_text().strip() != ""
        assert_accessible(page)
    finally:
        context.close()
