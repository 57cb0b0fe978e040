"""A unit's first session in a real browser: frame a problem, add a KPI, record, see the chart."""

import datetime

import pytest
from playwright.sync_api import expect

from civicloop.portfolio.models import Kpi, Measurement, Problem
from civicloop.portfolio.tests.factories import TargetGroupFactory
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_frame_problem_add_kpi_record_measurement_and_see_chart(live_server, page, world):
    TargetGroupFactory.create(unit=world.unit, name="Single-parent families")
    sign_in(page, live_server.url, world.people["staff"].email)
    assert page.url.endswith("/portfolio/")
    assert_accessible(page)

    page.click("text=Frame a problem")
    page.fill("#id_title", "Long waits for housing decisions")
    page.fill("#id_statement", "Single-parent families wait 142 days for a decision.")
    page.select_option("#id_owner_agency", label="Housing Agency")
    page.check("text=Single-parent families")
    page.check("text=Enhancement-oriented")
    page.fill("#id_tags", "housing, families")
    page.click("button:has-text('Save problem')")
    page.wait_for_load_state("networkidle")
    problem = Problem.objects.get()
    assert page.url.endswith(f"/portfolio/{problem.pk}/")
    assert_accessible(page)

    page.click("text=Add a KPI")
    page.select_option("#id_template", "completion_rate")
    baseline = datetime.date.today() - datetime.timedelta(days=90)
    page.fill("#id_baseline_value", "58")
    page.fill("#id_baseline_date", baseline.isoformat())
    page.fill("#id_baseline_source", "Service MI")
    page.fill("#id_target_value", "80")
    page.fill("#id_target_date", (datetime.date.today() + datetime.timedelta(days=200)).isoformat())
    page.click("button:has-text('Add KPI')")
    page.wait_for_load_state("networkidle")
    kpi = Kpi.objects.get()
    assert page.url.endswith(f"/portfolio/kpis/{kpi.pk}/")

    page.fill("#id_date", (datetime.date.today() - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_value", "66.5")
    page.fill("#id_source", "Monthly MI")
    page.click("button:has-text('Record measurement')")
    page.wait_for_selector("[data-vega-spec][data-rendered=true] svg")
    assert Measurement.objects.get().value == 66.5
    assert not page.is_visible("#kpi-trend-table")  # collapsed under the chart
    page.click("#kpi-trend-details summary")
    assert "66.5" in page.inner_text("#kpi-trend-table")
    assert page.inner_text("#kpi-progress").strip() == "39%"
    assert_accessible(page)

    # Filtering updates the list in place (htmx) and keeps a shareable URL.
    page.goto(live_server.url + "/portfolio/")
    page.select_option("#f-stage", "scaling")
    expect(page.locator("#portfolio-results")).to_contain_text("No problems match")
    assert "stage=scaling" in page.url
    page.select_option("#f-stage", "identified")
    expect(page.locator("#portfolio-results")).to_contain_text("Long waits")


def test_sign_in_page_and_home_are_accessible(live_server, page, db):
    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)


def test_portfolio_pages_are_accessible_and_keep_the_filter(live_server, page, world):
    from civicloop.portfolio.tests.factories import ProblemFactory

    for i in range(55):
        ProblemFactory.create(
            unit=world.unit, owner_agency=world.agency, title=f"Mission {i:03d}", facet="mission"
        )
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(live_server.url + "/portfolio/?facet=mission&sort=title")
    expect(page.locator(".cl-page-status")).to_have_text("Page 1 of 2, 1 to 50 of 55")
    assert_accessible(page)
    page.click("nav.govuk-pagination a[rel=next]")
    page.wait_for_load_state("networkidle")
    assert "facet=mission" in page.url and "page=2" in page.url
    expect(page.locator("#portfolio-table tbody tr")).to_have_count(5)
    expect(page.locator("nav.govuk-pagination [aria-current=page]")).to_have_text("2")
    assert_accessible(page)
