"""Assessment, obstacle register, replication plan and sandbox pages in a browser, with axe."""

import pytest

from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scaling_pages_are_accessible(live_server, page, world, scaled):
    sign_in(page, live_server.url, world.people["evaluator"].email)
    page.goto(f"{live_server.url}/scaling/assessments/{scaled['assessment'].pk}/")
    assert_accessible(page)
    page.select_option("#id_domain", "reach")
    page.check("#id_score_3")
    page.fill("#id_evidence", "Survey of 400 patients")
    page.click("button:has-text('Save rating')")
    page.wait_for_load_state("networkidle")
    assert "Survey of 400 patients" in page.content()
    for path in [
        "/scaling/",
        "/scaling/obstacles/",
        f"/scaling/plans/{scaled['plan'].pk}/",
        f"/scaling/sandboxes/{scaled['sandbox'].pk}/",
        "/scaling/lessons/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page)


def test_public_sandbox_registry_is_accessible_without_signing_in(live_server, page, scaled):
    page.goto(f"{live_server.url}/scaling/registry/")
    assert "Pharmacy confirmations" in page.content()
    assert_accessible(page)
    page.click("text=Pharmacy confirmations")
    page.wait_for_load_state("networkidle")
    assert "Art. 12" in page.content()
    assert_accessible(page)


def test_sandbox_steps_and_obstacle_form_are_accessible(live_server, page, world, scaled):
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/scaling/sandboxes/{scaled['sandbox'].pk}/")
    assert page.locator("button:has-text('Add a monitoring report')").count() == 1
    assert_accessible(page)
    page.fill("#id_period_end", "2026-12-01")
    page.fill("#id_participants", "150")  # above the plan's limit of 100
    page.fill("#id_summary", "Busy month")
    page.click("button:has-text('Add a monitoring report')")
    page.wait_for_load_state("networkidle")
    assert "More participants than the plan allows" in page.content()
    assert_accessible(page)
    page.goto(f"{live_server.url}/scaling/obstacles/new/")
    assert_accessible(page)


def test_plan_page_draws_its_projection_chart(live_server, page, world, scaled):
    """The chart was blank on every plan page: its spec was the imported macro's name."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/scaling/plans/{scaled['plan'].pk}/")
    page.wait_for_load_state("networkidle")
    chart = page.locator("#projection-spec").locator("xpath=..").locator(".cl-chart")
    chart.locator("svg, canvas").first.wait_for(timeout=10_000)
    assert not [url for url in requested if "Macro" in url]
    assert "pp per transaction" in page.locator("#plan-inputs").inner_text()
    assert_accessible(page)
