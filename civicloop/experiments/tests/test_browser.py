"""The results page in a real browser: chart rendered, data table beside it, no axe violations;
then a decision recorded through the form."""

from datetime import date, timedelta

import pytest

from civicloop.experiments import services
from civicloop.experiments.models import Decision
from civicloop.experiments.tests import factories as f
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_page_is_accessible_and_a_decision_can_be_recorded(live_server, page, world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", higher_is_better=False)
    weeks = [date(2025, 1, 6) + timedelta(weeks=i) for i in range(12)]
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="pilot",
        title="Triage pilot",
        design="did",
        analysis_plan="TWFE, clustered by office",
        metrics=[(metric, "primary", None)],
        intervention_date=weeks[6],
    )
    services.experiment_start(actor=staff, experiment=exp)
    rows = [
        {
            "site": f"office {s}",
            "period": w,
            "treated": s < 2 and i >= 6,
            "outcome": 140 + s - 0.5 * i - (15 if s < 2 and i >= 6 else 0) + (s * i % 3),
        }
        for s in range(6)
        for i, w in enumerate(weeks)
    ]
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
