"""Rules of the iteration cycle: pre-registration, deviations, decisions, design/metric fit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from civicloop.core.models import AuditEvent
from civicloop.experiments import services
from civicloop.experiments.models import (
    Decision,
    Experiment,
    ExperimentStatus,
    IterationStatus,
    PlanDeviation,
    ResultSnapshot,
)
from civicloop.experiments.tests import factories as f
from civicloop.portfolio.models import Stage
from civicloop.portfolio.tests.factories import ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    staff = world.principal("staff")
    svc = f.service(staff, world.unit, world.agency)
    it = f.iteration(staff, svc)
    primary = f.metric(staff, world.unit, "renewed")
    guard = f.metric(staff, world.unit, "calls", aggregation="count", higher_is_better=False)
    exp = f.ab_experiment(staff, it, [(primary, "primary", None), (guard, "guardrail", 0.2)])
    return staff, svc, it, exp, primary, guard


def test_starting_locks_and_timestamps_the_plan(setup):
    staff, _svc, it, exp, *_ = setup
    assert exp.locked_at is None
    exp = services.experiment_start(actor=staff, experiment=exp)
    assert exp.status == ExperimentStatus.RUNNING
    assert exp.locked_at is not None
    assert exp.locked_plan is not None
    assert exp.locked_plan["hypothesis"] == it.hypothesis
    assert exp.locked_plan["hypothesis"].startswith("If we send an SMS reminder, then on-time")
    assert [m["metric"] for m in exp.locked_plan["metrics"]] == ["calls", "renewed"]
    assert exp.locked_plan["analysis_plan"] == exp.analysis_plan
    it.refresh_from_db()
    assert it.status == IterationStatus.RUNNING


def test_a_draft_plan_changes_freely_without_deviation(setup):
    staff, _svc, _it, exp, *_ = setup
    services.experiment_update(actor=staff, experiment=exp, analysis_plan="Another plan")
    assert Experiment.objects.get(pk=exp.pk).analysis_plan == "Another plan"
    assert not PlanDeviation.objects.exists()


def test_editing_a_locked_plan_needs_a_reason_and_is_logged_as_a_deviation(setup):
    staff, _svc, _it, exp, *_ = setup
    exp = services.experiment_start(actor=staff, experiment=exp)
    locked_plan = exp.locked_plan
    with pytest.raises(ValidationError) as error:
        services.experiment_update(actor=staff, experiment=exp, planned_days=56)
    assert "reason" in error.value.message_dict
    assert Experiment.objects.get(pk=exp.pk).planned_days == 28  # nothing half-written
    services.experiment_update(
        actor=staff, experiment=exp, planned_days=56, reason="Traffic was half the forecast"
    )
    deviation = PlanDeviation.objects.get(experiment=exp)
    assert (deviation.field, deviation.before, deviation.after) == ("planned_days", 28, 56)
    assert deviation.reason == "Traffic was half the forecast"
    exp.refresh_from_db()
    assert exp.locked_plan == locked_plan  # the registered plan itself is never rewritten
    assert AuditEvent.objects.filter(action="experiments.plan_deviation").count() == 1


def test_changing_metrics_or_hypothesis_after_the_start_is_a_deviation(setup, world):
    staff, _svc, it, exp, primary, guard = setup
    services.experiment_start(actor=staff, experiment=exp)
    other = f.metric(staff, world.unit, "online")
    with pytest.raises(ValidationError):
        services.experiment_update(actor=staff, experiment=exp, metrics=[(other, "primary", None)])
    services.experiment_update(
        actor=staff,
        experiment=exp,
        reason="Primary was mis-specified",
        metrics=[(other, "primary", None), (primary, "secondary", None)],
    )
    with pytest.raises(ValidationError):
        services.iteration_update(actor=staff, iteration=it, hypothesis_effect="20 points")
    services.iteration_update(
        actor=staff,
        iteration=it,
        hypothesis_effect="20 points",
        reason="Pilot data suggested a larger effect",
    )
    fields = list(PlanDeviation.objects.filter(experiment=exp).values_list("field", flat=True))
    assert fields == ["metrics", "hypothesis"]
    hyp = PlanDeviation.objects.get(field="hypothesis")
    assert hyp.before is not None and hyp.after is not None
    assert "10 points" in hyp.before
    assert "20 points" in hyp.after


def _snapshot(exp: Experiment, ok: bool = True) -> ResultSnapshot:
    from django.utils import timezone

    return ResultSnapshot.objects.create(
        experiment=exp,
        computed_at=timezone.now(),
        ok=ok,
        payload={"design": "randomised", "metrics": {}},
    )


def test_a_decision_needs_a_rationale_and_cited_results(setup):
    staff, _svc, it, exp, *_ = setup
    services.experiment_start(actor=staff, experiment=exp)
    snap = _snapshot(exp)
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=staff, iteration=it, kind="scale", rationale="  ", cited_results=[snap]
        )
    assert "rationale" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=staff, iteration=it, kind="scale", rationale="It worked.", cited_results=[]
        )
    assert "cited_results" in error.value.message_dict
    with pytest.raises(ValidationError):  # a failed computation is not evidence
        services.decision_record(
            actor=staff,
            iteration=it,
            kind="scale",
            rationale="It worked.",
            cited_results=[_snapshot(exp, ok=False)],
        )
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=staff,
            iteration=it,
            kind="scale",
            rationale="x",
            cited_results=[snap],
            stop_reason="harm",
        )
    assert "stop_reason" in error.value.message_dict
    assert not Decision.objects.exists()


def test_stopping_early_for_harm_is_recorded_and_stops_the_experiment(setup, world):
    staff, svc, it, exp, *_ = setup
    problem = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, stage=Stage.EXPERIMENTING
    )
    svc.problems.add(problem)
    services.experiment_start(actor=staff, experiment=exp)
    snap = _snapshot(exp)
    decision = services.decision_record(
        actor=staff,
        iteration=it,
        kind="stop",
        stop_reason="harm",
        cited_results=[snap],
        rationale="Helpline calls rose beyond the guardrail margin.",
    )
    assert decision.get_stop_reason_display() == "Stopped early for harm"
    assert Experiment.objects.get(pk=exp.pk).status == ExperimentStatus.STOPPED
    problem.refresh_from_db()
    assert problem.stage == Stage.EXPERIMENTING  # stopping one iteration does not close it
    event = AuditEvent.objects.get(action="experiments.decision_recorded")
    assert event.after is not None
    assert event.after["stop_reason"] == "harm"
    assert event.after["cited_results"] == [snap.pk]
    with pytest.raises(ValidationError):  # one decision per iteration
        services.decision_record(
            actor=staff, iteration=it, kind="iterate", rationale="again", cited_results=[snap]
        )


def test_pivot_moves_the_problem_back_to_exploring(setup, world):
    staff, svc, it, exp, *_ = setup
    problem = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, stage=Stage.EXPERIMENTING
    )
    svc.problems.add(problem)
    decision = services.decision_record(
        actor=staff,
        iteration=it,
        kind="pivot",
        rationale="No effect; try a different channel.",
        cited_results=[_snapshot(exp)],
    )
    problem.refresh_from_db()
    assert problem.stage == Stage.EXPLORING
    assert decision.problem_stage_moves == [
        {"problem": problem.pk, "from": "experimenting", "to": "exploring"}
    ]


def test_the_decision_keeps_the_iterations_citizen_feedback(setup):
    staff, _svc, it, exp, *_ = setup
    it.feedback_summary = {"responses": 212, "csat": 4.1, "top theme": "SMS link broken"}
    it.save()
    decision = services.decision_record(
        actor=staff,
        iteration=it,
        kind="iterate",
        rationale="Effect positive; fix the SMS link.",
        cited_results=[_snapshot(exp)],
    )
    assert decision.feedback_summary is not None
    assert decision.feedback_summary["top theme"] == "SMS link broken"


@pytest.mark.parametrize(
    ("design", "source", "message"),
    [
        ("did", "events", "site-level outcome metric"),
        ("its", "events", "site-level outcome metric"),
        ("ab", "sites", "event metric"),
        ("rollout", "sites", "event metric"),
    ],
)
def test_metrics_of_the_wrong_type_for_the_design_are_refused(world, design, source, message):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    metric = f.metric(staff, world.unit, "outcome", source=source)
    with pytest.raises(ValidationError) as error:
        services.experiment_create(
            actor=staff,
            iteration=it,
            key="k",
            title="t",
            design=design,
            analysis_plan="p",
            metrics=[(metric, "primary", None)],
            intervention_date=date(2026, 2, 1),
            variants=[{"key": "control"}, {"key": "b"}],
        )
    assert message in error.value.message_dict["metrics"][0]
    assert not Experiment.objects.exists()


def test_guardrails_need_a_margin_and_randomised_designs_two_variants(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    primary = f.metric(staff, world.unit, "renewed")
    guard = f.metric(staff, world.unit, "calls", aggregation="count")
    with pytest.raises(ValidationError) as error:
        f.ab_experiment(staff, it, [(primary, "primary", None), (guard, "guardrail", None)])
    assert "non-inferiority margin" in error.value.message_dict["metrics"][0]
    with pytest.raises(ValidationError) as error:
        f.ab_experiment(staff, it, [(primary, "primary", None)], variants=[{"key": "control"}])
    assert "at least two variants" in error.value.message_dict["variants"][0]
    with pytest.raises(ValidationError) as error:
        f.ab_experiment(staff, it, [(guard, "secondary", None)])
    assert "exactly one primary" in error.value.message_dict["metrics"][0]


def test_hypothesis_needs_every_part(world):
    staff = world.principal("staff")
    svc = f.service(staff, world.unit, world.agency)
    with pytest.raises(ValidationError) as error:
        f.iteration(staff, svc, hypothesis_because="")
    assert "If we" in error.value.message_dict["hypothesis_because"][0]


def test_power_calculator_uses_the_services_traffic(world):
    staff = world.principal("staff")
    svc = f.service(staff, world.unit, world.agency, annual_volume=73_000)  # 200 a day
    metric = f.metric(staff, world.unit, "renewed")
    proposal = services.power_proposal(service=svc, metric=metric, baseline=0.30, mde_rel=0.10)
    # Reference: statsmodels with Cohen's h (arcsine) is close to, not equal to, the Wald
    # formula the engine uses; both must agree within 3% on this case.
    h = proportion_effectsize(0.33, 0.30)
    reference = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8)
    assert proposal["n_per_group"] == pytest.approx(reference, rel=0.03)
    assert proposal["days"] == -(-proposal["n_per_group"] * 2 // 200)


def test_citizen_feedback_from_the_feedback_app_is_cited_by_the_decision(setup, world):
    from civicloop.feedback import services as feedback

    staff, _svc, it, exp, *_ = setup
    survey = feedback.survey_create(
        actor=staff, unit=world.unit, title="Renewal", templates=["govuk"], consent="Anonymous."
    )
    for i, value in enumerate([5, 4, 2, 5]):
        feedback.response_submit(
            survey=survey,
            answers={"satisfaction": value},
            channel="api",
            iteration_key="licence-renewals-1",
            client=str(i),
        )
    html = world.client("staff").get(f"/experiments/iterations/{it.pk}/").content.decode()
    assert "4 responses" in html
    decision = services.decision_record(
        actor=staff,
        iteration=it,
        kind="iterate",
        rationale="Positive effect; 3 of 4 satisfied.",
        cited_results=[_snapshot(exp)],
    )
    assert decision.feedback_summary is not None
    assert decision.feedback_summary["n"] == 4
    assert decision.feedback_summary["iteration_key"] == "licence-renewals-1"
