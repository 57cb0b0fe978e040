"""Replication plans: τ on the effect's scale, an effect picked from an experiment's results,
the projection against an independent computation, and one verdict for "Confirms?"."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from scipy import stats

from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as exp
from civicloop.scaling import selectors, services
from civicloop.scaling.models import ReplicationPlan

pytestmark = pytest.mark.django_db

Z = 1.959964


def _api(world, org=None):
    return {"Authorization": f"Bearer {world.api_key(org=org)}"}


@pytest.fixture
def measured(world, scaled):
    """An experiment of the unit whose latest results measured +8.4 pp (95% 6.24 to 10.56)."""
    staff = world.principal("staff")
    svc = exp.service(staff, world.unit, world.agency, problems=[scaled["problem"]])
    renewed = exp.metric(staff, world.unit, key="renewed", name="Renewed on time", unit_label="pp")
    experiment = exp.ab_experiment(staff, exp.iteration(staff, svc), [(renewed, "primary", None)])
    ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload={
            "metrics": {
                "renewed": {
                    "name": "Renewed on time",
                    "role": "primary",
                    "higher_is_better": True,
                    "variants": [
                        {"variant": "sms", "estimate": 8.4, "ci_low": 6.24, "ci_high": 10.56}
                    ],
                }
            }
        },
    )
    return experiment


def test_tau_is_in_the_effects_unit_and_scaled_with_it(world, scaled):
    plan = scaled["plan"]  # effect −6.1 pp (lower is better), scale 0.01, τ 1.5 pp
    assert plan.effect_unit == "pp"
    assert plan.benefit == pytest.approx(0.061)
    assert plan.tau == pytest.approx(0.015)
    assert plan.tau_in_effect_unit == pytest.approx(1.5)


def test_a_tau_off_the_effects_scale_is_refused_naming_the_field_and_rule(world, scaled):
    with pytest.raises(ValidationError) as error:
        services.replication_plan_create(
            actor=world.principal("staff"),
            problem=scaled["problem"],
            title="Wrong scale",
            effect=scaled["effect"],
            outcome_scale=0.01,
            tau=31,  # more than 5 × 6.1 pp
        )
    message = error.value.message_dict["tau"][0]
    assert "pp" in message and "5 ×" in message and "30.5" in message


def test_projection_matches_an_independent_computation(world, scaled):
    """τ = 3 pp, scale 0.01: the simulated interval of one site against the closed form."""
    staff = world.principal("staff")
    plan = services.replication_plan_create(
        actor=staff,
        problem=scaled["problem"],
        title="Three points",
        effect=scaled["effect"],
        outcome_scale=0.01,
        tau=3,
        draws=200_000,
    )
    services.replication_candidate_add(
        actor=staff,
        plan=plan,
        name="Town",
        annual_volume=50_000,
        cost_per_transaction=Decimal("60"),
        value_per_outcome_unit=Decimal("58"),
        context_similarity=0.8,
        one_off_cost=Decimal("0"),
        annual_running_cost=Decimal("0"),
    )
    projection = selectors.plan_projection(viewer=staff, plan=plan)
    assert projection is not None
    # By hand: savings = 50,000 × 58 × θ, θ ~ N(0.061, 0.009² + (0.03 × (2 − 0.8))²).
    a = 50_000 * 58
    sd = a * np.hypot(0.009, 0.03 * 1.2)
    low, high = stats.norm(a * 0.061, sd).interval(0.95)
    assert projection.total_mean == pytest.approx(a * 0.061, rel=0.01)
    assert projection.total_low == pytest.approx(low, rel=0.02)
    assert projection.total_high == pytest.approx(high, rel=0.02)
    assert -100_000 < projection.total_low < 0 < 300_000 < projection.total_high < 500_000


def test_the_plan_page_states_the_unit_beside_every_input(world, scaled):
    html = world.client("staff").get(f"/scaling/plans/{scaled['plan'].pk}/").content.decode()
    assert "+6.1 ± 0.9 pp per transaction" in html
    assert "1.5 pp (0.015 outcome units)" in html
    assert "58.00 EUR" in html  # the candidate's value of one outcome unit, with its currency
    form = world.client("staff").get(f"/scaling/problems/{scaled['problem'].pk}/plans/new/")
    assert "Between-site heterogeneity τ (in the effect&#39;s unit)" in form.content.decode()


def test_a_planner_picks_an_experiments_measured_effect(world, scaled, measured):
    client = world.client("staff")
    url = f"/scaling/problems/{scaled['problem'].pk}/plans/new/"
    form = client.get(url).content.decode()
    choice = f"x:{measured.pk}:renewed:sms"
    assert f'value="{choice}"' in form
    assert (
        "Measured by experiment sms-reminder (sms): Renewed on time: +8.4 pp "
        "(95% interval +6.24 to +10.6)" in form
    )
    response = client.post(
        url,
        {
            "title": "From the trial",
            "effect": choice,
            "outcome_scale": "0.01",
            "tau": "2",
            "horizon_years": "5",
        },
    )
    assert response.status_code == 302
    plan = ReplicationPlan.objects.get(title="From the trial")
    assert plan.experiment_id == measured.pk and plan.effect_unit == "pp"
    assert plan.benefit == pytest.approx(0.084)
    assert plan.benefit_std_error == pytest.approx((10.56 - 6.24) / (2 * Z) * 0.01)
    assert plan.effect_source.startswith("experiment sms-reminder, results of ")


def test_measured_effects_through_the_api_and_404_for_another_unit(world, scaled, measured):
    url = f"/api/v1/scaling/problems/{scaled['problem'].pk}/measured-effects"
    [item] = Client().get(url, headers=_api(world)).json()
    assert (item["unit"], item["estimate"], item["ci_low"]) == ("pp", 8.4, 6.24)
    assert item["std_error"] == pytest.approx(4.32 / (2 * Z))
    other = _api(world, world.other_unit)
    assert Client().get(url, headers=other).status_code == 404
    create = f"/api/v1/scaling/problems/{scaled['problem'].pk}/plans"
    body = {"title": "API", "measured_effect": item["choice"], "outcome_scale": 0.01, "tau": 1}
    made = Client().post(create, body, content_type="application/json", headers=_api(world))
    assert made.status_code == 201
    assert made.json()["tau"] == pytest.approx(0.01)
    assert made.json()["tau_in_effect_unit"] == pytest.approx(1)
    too_wide = Client().post(
        create, {**body, "tau": 50}, content_type="application/json", headers=_api(world)
    )
    assert too_wide.status_code == 422 and "tau" in too_wide.content.decode()
    assert (
        Client().post(create, body, content_type="application/json", headers=other).status_code
        == 404
    )


def test_a_replication_not_independent_never_reads_confirms_yes(world, scaled):
    services.replication_record(
        actor=world.principal("staff"),
        original=scaled["effect"],
        site="Village",
        independent=False,
        completed_on=date(2026, 10, 1),
        estimate=-5.9,
        std_error=1.0,
        design="rct",
    )
    html = world.client("staff").get(f"/scaling/plans/{scaled['plan'].pk}/").content.decode()
    row = html.split("Village (1 Oct 2026)")[1].split("</tr>")[0]
    assert "no: consistent, but not independent, so it does not count" in row
    api = (
        Client()
        .get(f"/api/v1/scaling/replications?problem_id={scaled['problem'].pk}", headers=_api(world))
        .json()
    )
    [village] = [r for r in api["items"] if r["site"] == "Village"]
    assert village["consistent"] is True and village["confirms"] is False
    scaled["effect"].refresh_from_db()
    assert scaled["effect"].independent_replications == 0
