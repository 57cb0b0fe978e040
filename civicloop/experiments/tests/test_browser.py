"""The results page in a real browser: chart rendered, data table beside it, no axe violations;
then a decision recorded through the form."""

from datetime import date, timedelta

import pytest

from civicloop.experiments import services
from civicloop.experiments.models import Decision
from civicloop.experiments.tests import factories as f
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEKS = [date(2025, 1, 6) + timedelta(weeks=i) for i in range(12)]


def _started_pilot(world):
    """A running difference-in-differences pilot on sites, changed from week 6 on."""
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", higher_is_better=False)
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="pilot",
        title="Triage pilot",
        design="did",
        analysis_plan="TWFE, clustered by office",
        metrics=[(metric, "primary", None)],
        intervention_date=WEEKS[6],
    )
    services.experiment_start(actor=staff, experiment=exp)
    return staff, exp


def _pilot_rows() -> list[dict]:
    """Six offices over twelve weeks; offices 0 and 1 improve by 15 days from week 6."""
    return [
        {
            "site": f"office {s}",
            "period": w,
            "treated": s < 2 and i >= 6,
            "outcome": 140 + s - 0.5 * i - (15 if s < 2 and i >= 6 else 0) + (s * i % 3),
        }
        for s in range(6)
        for i, w in enumerate(WEEKS)
    ]


def test_results_page_is_accessible_and_a_decision_can_be_recorded(live_server, page, world):
    staff, exp = _started_pilot(world)
    rows = _pilot_rows()
    services.site_observations_record(actor=staff, experiment=exp, rows=rows)
    services.experiment_refresh(experiment=exp)

    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/experiments/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/experiments/{exp.pk}/")
    page.wait_for_selector("[data-vega-spec][data-rendered=true] svg")
    assert page.locator("#trends-table tbody tr").count() == 24
    assert_accessible(page)

    page.click("text=Back to the iteration")
    assert_accessible(page)
    page.check("text=Scale")
    page.fill("#id_rationale", "Pilot offices decided 15 days faster; no pre-trend.")
    page.check("input[name=cited_results]")
    page.click("button:has-text('Record decision')")
    page.wait_for_load_state("networkidle")
    decision = Decision.objects.get()
    assert decision.kind == "scale"
    assert page.locator("text=Pilot offices decided 15 days faster").count() == 1


def test_site_observations_upload_then_live_refresh_status(
    live_server, page, world, settings, run_task_worker
):
    """Upload a CSV (rejections listed, then accepted), press Refresh, and watch htmx poll the
    status until the worker finishes and the results region reloads, with no page load."""

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    staff, exp = _started_pilot(world)
    lines = ["site,period,outcome,treated"] + [
        f"{r['site']},{r['period'].isoformat()},{r['outcome']},{str(r['treated']).lower()}"
        for r in _pilot_rows()
    ]
    good = ("\n".join(lines) + "\n").encode()
    bad = good.replace(b"office 3,2025-01-06,143.0", b"office 3,2025-01-06,lots")

    csp_errors: list[tuple[str, str, str]] = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append((m.text, m.location.get("url", ""), page.url))
            if "Content Security Policy" in m.text
            else None
        ),
    )
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/experiments/{exp.pk}/")
    page.click("text=Upload site observations (CSV)")
    assert_accessible(page)
    page.set_input_files("#id_file", {"name": "sites.csv", "mimeType": "text/csv", "buffer": bad})
    page.click("button:has-text('Upload')")
    page.wait_for_selector("#rejected-rows")
    assert page.locator("#rejected-rows tbody tr").count() == 1
    assert_accessible(page)
    assert exp.site_observations.count() == 0
    page.set_input_files("#id_file", {"name": "sites.csv", "mimeType": "text/csv", "buffer": good})
    page.click("button:has-text('Upload')")
    page.wait_for_selector("text=72 site observations recorded.")
    assert exp.site_observations.count() == 72

    page.click("button:has-text('Refresh results')")
    page.wait_for_selector("#refresh-status >> text=Refresh queued")
    assert page.locator("#experiment-results >> text=No results yet").count() == 1
    assert_accessible(page)
    page.evaluate("window.__same_page = true")
    run_task_worker()
    page.wait_for_selector("#refresh-status >> text=Refresh finished", timeout=20_000)
    page.wait_for_selector("#trends-table", state="attached")  # collapsed under the chart
    page.wait_for_selector("[data-vega-spec][data-rendered=true] svg")
    assert page.evaluate("window.__same_page") is True  # htmx swapped; the page never reloaded
    # The strict CSP held on these pages: no inline script, and neither htmx (htmx-config in
    # base.html) nor the charts (vega-embed without its injected stylesheets) added inline style.
    assert [e for e in csp_errors if "/experiments/" in e[2]] == []
