"""Mixed-methods decisions: the iteration page shows the experiments' numbers (effect, interval,
evidence level, guardrails) beside the citizen feedback, with the decision form on the same
page; the numbers are checked by hand (scipy) and the feedback scores against statsmodels."""

from __future__ import annotations

import re

import pytest
from statsmodels.stats.proportion import proportion_confint

from civicloop.experiments import services
from civicloop.experiments.models import Iteration
from civicloop.experiments.tests import factories as f
from civicloop.experiments.tests.test_results_display import _snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def ab(world):
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


def _region(html: str, id_: str) -> str:
    found = re.search(rf'id="{id_}".*?(?=<div class="govuk-grid-column|<h2 )', html, re.S)
    assert found, id_
    return found.group(0)


def test_decision_page_shows_experiment_numbers_beside_feedback_scores(ab, world):
    from civicloop.feedback import services as feedback

    staff = world.principal("staff")
    snap = _snapshot(ab, running=False)
    survey = feedback.survey_create(
        actor=staff, unit=world.unit, title="Renewal", templates=["govuk"], consent="Anonymous."
    )
    for i, value in enumerate([5, 4, 2, 5, 1, 4, 5]):
        feedback.response_submit(
            survey=survey,
            answers={"satisfaction": value},
            channel="api",
            iteration_key="licence-renewals-1",
            client=str(i),
        )
    html = world.client("staff").get(f"/experiments/iterations/{ab.iteration_id}/").content.decode()
    experiments = _region(html, "evidence-experiments")
    assert "+7.0 pp (+28.7%)" in experiments  # 31.4% against 24.4% (test_results_display)
    assert "95% interval: +3.1 to +10.9 pp" in experiments
    assert f"Maryland SMS {snap.maryland_sms}/5" in experiments
    assert "Guardrail breached" in experiments and "+0.060 calls" in experiments
    assert "margin 0.050 calls" in experiments

    # satisfied = 4 or 5 on the GOV.UK scale: 5 of 7, Wilson interval (statsmodels)
    low, high = proportion_confint(5, 7, method="wilson")
    scores = _region(html, "evidence-feedback")
    assert "7 responses" in scores
    assert f"{100 * 5 / 7:.1f}%" in scores
    assert f"{100 * low:.1f}% to {100 * high:.1f}%" in scores

    # the decision form is on the same page, and each result to cite carries its numbers
    form = html[html.index('action="/experiments/iterations/') :]
    label = re.search(r'for="id_cited_results_0">(.*?)</label>', form, re.S)
    assert label and "Renewed +7.0 pp (+28.7%), interval +3.1 to +10.9 pp" in label.group(1)


def test_themes_of_a_hand_summary_sit_beside_the_numbers(ab, world):
    _snapshot(ab, running=False)
    Iteration.objects.filter(pk=ab.iteration_id).update(
        feedback_summary={
            "n": 40,
            "comments": 12,
            "scores": [],
            "themes": [{"label": "SMS link broken", "size": 7, "quotes": ["The link failed"]}],
        }
    )
    html = world.client("staff").get(f"/experiments/iterations/{ab.iteration_id}/").content.decode()
    assert "SMS link broken (7)" in _region(html, "evidence-feedback")
    assert "+7.0 pp (+28.7%)" in _region(html, "evidence-experiments")


def test_a_decided_iteration_shows_the_numbers_it_cited(ab, world):
    staff = world.principal("staff")
    snap = _snapshot(ab, running=False)
    services.decision_record(
        actor=staff,
        iteration=ab.iteration,
        kind="iterate",
        rationale="Renewals up 7 points, but helpline calls breached their margin.",
        cited_results=[snap],
    )
    _snapshot(ab, running=True)  # a later result, not cited: not shown as the evidence
    html = world.client("auditor").get(f"/experiments/iterations/{ab.iteration_id}/")
    body = html.content.decode()
    assert html.status_code == 200
    experiments = _region(body, "evidence-experiments")
    assert "+7.0 pp (+28.7%)" in experiments and "Guardrail breached" in experiments
    assert "always-valid" not in experiments


def test_decision_page_of_another_unit_is_404(ab, world):
    _snapshot(ab, running=False)
    assert (
        world.client("outsider").get(f"/experiments/iterations/{ab.iteration_id}/").status_code
        == 404
    )
    r = world.client("outsider").post(
        f"/experiments/iterations/{ab.iteration_id}/decision/",
        {"kind": "scale", "rationale": "x", "cited_results": []},
    )
    assert r.status_code == 404
