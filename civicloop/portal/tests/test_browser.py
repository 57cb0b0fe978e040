"""The public portal in a phone-sized browser (390 px), anonymous, with axe."""

import pytest

from civicloop.market.models import Challenge
from civicloop.portal.models import PublicSummary
from civicloop.portal.tests.conftest import load_demo
from civicloop.portfolio.models import Problem
from civicloop.web.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_portal_pages_fit_a_phone_and_are_accessible(live_server, browser, event_store_dir):
    load_demo()
    problem = Problem.objects.filter(published=True).order_by("pk")[0]
    summary = PublicSummary.objects.filter(status="published").order_by("pk")[0]
    awarded = Challenge.objects.get(status="awarded")
    consultation = Challenge.objects.get(status="consultation")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        for path, expected in [
            ("/public/", "Open challenges for startups"),
            (f"/public/problems/{problem.pk}/", problem.title),
            (f"/public/results/{summary.pk}/", "95% interval"),
            ("/public/open-data/", "Open contracting data (OCDS)"),
            (f"/public/challenges/{awarded.pk}/", "Standstill period ends"),
            (f"/public/challenges/{consultation.pk}/", "Closes on"),
        ]:
            page.goto(live_server.url + path)
            assert expected in page.content(), path
            assert_accessible(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
        page.click("text=Español")
        page.wait_for_load_state("networkidle")
        assert 'lang="es"' in page.content()
    finally:
        context.close()
