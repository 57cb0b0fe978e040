"""The portal's navigation on a 375 px phone: one Menu button that opens and closes the list,
by pointer and by keyboard, with aria-expanded telling screen readers; axe in both states."""

import pytest

from civicloop.web.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_portal_menu_collapses_behind_a_button_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)  # a loaded CI machine
    try:
        page.goto(live_server.url + "/public/")
        button = page.get_by_role("button", name="Menu")
        menu = page.locator("#navigation")
        assert button.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "navigation"
        assert menu.is_hidden()
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the portal is {width} px wide on a 375 px screen"
        # keyboard: Tab reaches the button, Enter opens, the links follow in the tab order
        page.keyboard.press("Tab")  # the skip link
        for _ in range(5):
            if page.evaluate("document.activeElement.textContent.trim()") == "Menu":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert menu.is_visible()
        assert page.get_by_role("link", name="Challenges", exact=True).is_visible()
        assert_accessible(page)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Challenges"
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")
        assert button.get_attribute("aria-expanded") == "false"
        assert menu.is_hidden()
        # a wide screen shows the list and no button
        page.set_viewport_size({"width": 1024, "height": 768})
        assert menu.is_visible()
        assert button.is_hidden()
    finally:
        context.close()


def test_without_javascript_the_menu_is_a_plain_list(live_server, browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/public/")
        assert page.locator("#navigation").is_visible()
        assert page.get_by_role("link", name="Challenges", exact=True).is_visible()
        assert page.locator(".govuk-service-navigation__toggle").is_hidden()
    finally:
        context.close()
