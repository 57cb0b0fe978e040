"""Results in people's terms in a real browser: the forest plots and the placebo chart render
with their data tables, the pages pass axe, and the decision page (numbers beside feedback)
records a decision."""

from __future__ import annotations

import pytest

from civicloop.experiments import services
from civicloop.experiments.models import Decision
from civicloop.experiments.tests import factories as f
from civicloop.experiments.tests.test_results_display import MONTHS, _snapshot, _synth_rows
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ab(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    renewed = f.metric(staff, world.unit, "renewed", name="Renewed", pre_window_hours=0)
    calls = f.metric(
        staff,
        world.unit,
        "calls",
        name="Helpline calls",
        aggregation="count",
        higher_is_better=False,
        unit_label="calls",
    )
    return f.ab_experiment(staff, it, [(renewed, "primary", None), (calls, "guardrail", 0.05)])


def test_forest_plots_and_decision_page_are_accessible(live_server, page, world):
    exp = _ab(world)
    _snapshot(exp, running=True)
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/experiments/{exp.pk}/")
    for chart in ("forest-relative", "forest-absolute"):
        page.wait_for_selector(f'[data-vega-spec="{chart}-spec"][data-rendered=true] svg')
        assert page.locator(f"#{chart}-table tbody tr").count() == 2
    assert page.locator("#guardrail-verdict .govuk-tag").count() == 1
    assert page.locator("#multiple-testing").count() == 1
    assert_accessible(page)

    metric = exp.metric_links.get(role="primary").metric
    page.goto(
        f"{live_server.url}/experiments/{exp.pk}/?metric={metric.pk}&baseline=0.25&mde_percent=5"
    )
    page.wait_for_selector("#plan-too-short")
    assert_accessible(page)

    page.goto(f"{live_server.url}/experiments/iterations/{exp.iteration_id}/")
    assert page.locator("#evidence-experiments .app-effect").count() >= 1
    assert page.locator("#evidence-feedback").count() == 1
    assert_accessible(page)
    page.check("text=Iterate")
    page.fill("#id_rationale", "Renewals up, but helpline calls breached their margin.")
    page.check("input[name=cited_results]")
    page.click("button:has-text('Record decision')")
    page.wait_for_load_state("networkidle")
    assert Decision.objects.get().kind == "iterate"
    assert_accessible(page)


def test_synthetic_control_charts_render_with_the_change_marked(live_server, page, world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "days", source="sites", unit_label="days")
    exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="synth",
        title="Pre-filled requests",
        design="synth",
        analysis_plan="Synthetic control",
        metrics=[(metric, "primary", None)],
        intervention_date=MONTHS[8],
    )
    services.experiment_start(actor=staff, experiment=exp)
    services.site_observations_record(actor=staff, experiment=exp, rows=_synth_rows())
    services.experiment_refresh(experiment=exp)
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/experiments/{exp.pk}/")
    for chart in ("synth", "placebo"):
        page.wait_for_selector(f'[data-vega-spec="{chart}-spec"][data-rendered=true] svg')
    assert page.locator('[data-vega-spec="synth-spec"] svg >> text=Change starts').count() == 1
    assert page.locator("#placebo-table tbody tr").count() == 5
    assert page.locator("#donor-weights tbody tr").count() == 4
    assert_accessible(page)
