"""Impact inputs read the experiments and feedback apps when they hold the facts."""

from decimal import Decimal

import pytest
from django.utils import timezone
from scipy import stats

from civicloop.evidence import services
from civicloop.evidence.inputs import impact_inputs_gather
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as exp
from civicloop.portfolio.tests.factories import ProblemFactory


@pytest.mark.django_db
def test_experiment_results_and_service_figures_feed_the_report(world):
    staff = world.principal("staff")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    svc = exp.service(
        staff,
        world.unit,
        world.agency,
        name="Licence renewals",
        annual_volume=73_000,
        cost_per_transaction="38.50",
        problems=[problem],
    )
    renewed = exp.metric(staff, world.unit, key="renewed", name="Renewed on time")
    experiment = exp.ab_experiment(staff, exp.iteration(staff, svc), [(renewed, "primary", None)])
    low, high = 0.084 - 1.959964 * 0.011, 0.084 + 1.959964 * 0.011
    ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload={
            "srm": {"p_value": 0.52},
            "metrics": {
                "renewed": {
                    "name": "Renewed on time",
                    "role": "primary",
                    "higher_is_better": True,
                    "variants": [
                        {
                            "variant": "sms",
                            "n_control": 4000,
                            "n_treatment": 4000,
                            "estimate": 0.084,
                            "ci_low": low,
                            "ci_high": high,
                            "p_value": 1e-13,
                        }
                    ],
                }
            },
        },
    )
    # The analyst adds what the experiments app does not know: the value of an outcome unit
    # and the intervention's cost. Volume and unit cost stay the experiments app's.
    services.service_figures_set(
        actor=staff,
        problem=problem,
        service_name="Licence renewals",
        annual_volume=1,
        cost_per_transaction=Decimal("1"),
        value_per_outcome_unit=Decimal("30"),
        one_off_cost=Decimal("50000"),
        source="Finance",
    )
    inputs = impact_inputs_gather(problem=problem)
    assert "experiments" in inputs.sources
    effect = inputs.primary_effect()
    assert effect is not None
    assert effect.source.startswith("experiment sms-reminder")
    assert effect.std_error == pytest.approx(0.011, rel=1e-6)
    assert (effect.maryland_sms, effect.nesta_level) == (5, 3)
    [service] = inputs.services
    assert (service.annual_volume, service.cost_per_transaction) == (73_000, 38.5)
    assert service.value_per_outcome_unit == 30
    assert service.one_off_cost == 50_000
    from civicloop.evidence.report import impact_report_build

    savings = impact_report_build(inputs).efficiencies[0].efficiency.savings
    assert savings is not None
    reference = stats.norm(73_000 * 0.084 * 30, 73_000 * 0.011 * 30)
    assert savings.estimate == pytest.approx(reference.mean())
    assert savings.high == pytest.approx(reference.ppf(0.975), rel=1e-6)


@pytest.mark.django_db
def test_without_other_apps_data_the_hand_entered_figures_are_used(world, evidenced):
    inputs = impact_inputs_gather(problem=evidenced)
    assert inputs.sources == ["portfolio", "entered by hand"]
    assert inputs.services[0].source == "Finance"


@pytest.mark.django_db
def test_feedback_themes_replace_hand_entered_ones(world, evidenced):
    from civicloop.feedback import services as feedback_services
    from civicloop.feedback.models import Theme

    survey = feedback_services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title={"en": "Reminders"},
        templates=["comment"],
        consent={"en": "Anonymous."},
        problem=evidenced,
    )
    Theme.objects.create(
        survey=survey,
        key="t1",
        label="Rebook in the call",
        size=40,
        quotes=["Let me change the time when you call"],
    )
    Theme.objects.create(survey=survey, key="t2", label="Voice too fast", size=12)
    inputs = impact_inputs_gather(problem=evidenced)
    assert "feedback" in inputs.sources
    assert [t.label for t in inputs.themes] == ["Rebook in the call", "Voice too fast"]
    assert inputs.themes[0].summary == "“Let me change the time when you call”"
    assert inputs.themes[0].sentiment is None


@pytest.mark.django_db
def test_survey_satisfaction_levels_appear_in_service_quality(world, evidenced):
    from statsmodels.stats.proportion import proportion_confint

    from civicloop.feedback import services as feedback_services

    survey = feedback_services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title={"en": "Reminders"},
        templates=["govuk"],
        consent={"en": "Anonymous."},
        problem=evidenced,
    )
    for i, value in enumerate([5, 4, 4, 5, 4, 5, 4, 2, 1, 2]):
        feedback_services.response_submit(
            survey=survey, answers={"satisfaction": value}, channel="hosted", respondent_id=f"r{i}"
        )
    inputs = impact_inputs_gather(problem=evidenced)
    [score] = [s for s in inputs.scores if s.kind == "share"]
    low, high = proportion_confint(7, 10, method="wilson")
    assert (score.value, score.n) == (pytest.approx(70.0), 10)
    assert (score.ci_low, score.ci_high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    page = world.client("staff").get(f"/evidence/problems/{evidenced.pk}/").content.decode()
    assert 'id="cx-scores"' in page
