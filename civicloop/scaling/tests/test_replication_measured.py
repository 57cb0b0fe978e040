"""A replication run as a CivicLoop experiment counts with its measured effect, not typed figures.

Reference numbers: original −6.1 pp (SE 0.9). A site measuring −5.2 pp (SE 1.6) is significant
on its own (z = 3.25) and not different from the original (z = 0.9 / √(0.9² + 1.6²) = 0.49), so
it confirms (Nesta 4). A site measuring +0.1 pp (SE 1.6) does not (z = 0.06).
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.evidence.selectors import impact_report_for_problem
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as exp
from civicloop.scaling import services
from civicloop.scaling.models import Replication

pytestmark = pytest.mark.django_db
Z = 1.959964


def _snapshot(experiment, estimate: float, se: float, *, days_ago: int = 0, ok: bool = True):
    """Results as the experiments app stores them: a proportion difference and its interval."""
    return ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now() - timedelta(days=days_ago),
        ok=ok,
        payload={
            "srm": {"p_value": 0.6},
            "metrics": {
                "missed": {
                    "name": "Missed appointments",
                    "role": "primary",
                    "higher_is_better": False,
                    "variants": [
                        {
                            "variant": "call",
                            "n_control": 3000,
                            "n_treatment": 3000,
                            "estimate": estimate,
                            "ci_low": estimate - Z * se,
                            "ci_high": estimate + Z * se,
                            "p_value": 0.001,
                        }
                    ],
                }
            },
        },
    )


@pytest.fixture
def site_experiment(world):
    """The replication site's A/B test of reminder calls, in the world's unit."""
    staff = world.principal("staff")
    svc = exp.service(staff, world.unit, world.agency, name="Puerto Alto appointments")
    missed = exp.metric(staff, world.unit, key="missed", name="Missed appointments")
    return exp.ab_experiment(
        staff, exp.iteration(staff, svc), [(missed, "primary", None)], key="pa-calls"
    )


def _record(world, scaled, **kw):
    values = {
        "actor": world.principal("staff"),
        "original": scaled["effect"],
        "site": "Puerto Alto",
        "independent": True,
        "completed_on": date(2026, 10, 1),
    }
    return services.replication_record(**(values | kw))


def _nesta(scaled) -> int | None:
    primary = impact_report_for_problem(problem=scaled["problem"]).primary
    assert primary is not None
    return primary.nesta_level


def test_measured_effect_and_interval_replace_typed_figures(world, scaled, site_experiment):
    _snapshot(site_experiment, -0.052, 0.016)
    row = _record(
        world,
        scaled,
        experiment=site_experiment,
        experiment_scale=100,  # proportion → percentage points, the original's scale
        estimate=-9.9,  # typed in, ignored: the experiment has results
        std_error=0.1,
        design="before_after",
    )
    assert row.estimate == pytest.approx(-5.2)
    assert row.std_error == pytest.approx(1.6)
    assert row.design == "rct"
    assert row.measured and "pa-calls" in row.measured_source
    assert _nesta(scaled) == 4


def test_real_results_that_do_not_confirm_keep_the_nesta_level(world, scaled, site_experiment):
    # The typed figures would confirm the original; the experiment measured no effect.
    _snapshot(site_experiment, 0.001, 0.016)
    _record(world, scaled, experiment=site_experiment, experiment_scale=100, estimate=-6.0)
    assert _nesta(scaled) == 3
    scaled["effect"].refresh_from_db()
    assert scaled["effect"].independent_replications == 0


def test_typed_figures_count_only_until_the_experiment_has_results(world, scaled, site_experiment):
    with pytest.raises(ValidationError) as error:
        _record(world, scaled, experiment=site_experiment)
    assert "pa-calls has no results" in error.value.message_dict["experiment"][0]
    _snapshot(site_experiment, -0.06, 0.01, ok=False)  # a failed refresh is not a result
    row = _record(
        world,
        scaled,
        experiment=site_experiment,
        experiment_scale=100,
        estimate=-5.4,
        std_error=1.5,
        design="rct",
    )
    assert (row.estimate, row.measured) == (-5.4, False)
    assert _nesta(scaled) == 4
    # Results arrive and show no effect: re-measuring takes Nesta 4 away again, audited.
    _snapshot(site_experiment, 0.001, 0.016)
    assert (
        services.replications_remeasure(actor=world.principal("staff"), original=scaled["effect"])
        == 0
    )
    row.refresh_from_db()
    assert row.estimate == pytest.approx(0.1) and row.measured
    assert _nesta(scaled) == 3
    event = AuditEvent.objects.get(action="scaling.replication_remeasured")
    assert event.before is not None and event.before["estimate"] == -5.4


def test_plan_page_links_a_replication_to_an_experiment_and_remeasures(
    world, scaled, site_experiment
):
    _snapshot(site_experiment, 0.001, 0.016, days_ago=1)
    client = world.client("staff")
    plan = scaled["plan"]
    page = client.get(f"/scaling/plans/{plan.pk}/").content.decode()
    assert "SMS reminder (pa-calls)" in page  # the experiment is offered
    missing = client.post(
        f"/scaling/plans/{plan.pk}/replications/",
        {"site": "Puerto Alto", "completed_on": "2026-10-01", "independent": "on"},
    )
    assert missing.status_code == 422
    assert "Give the effect found, or choose the experiment" in missing.content.decode()
    ok = client.post(
        f"/scaling/plans/{plan.pk}/replications/",
        {
            "site": "Puerto Alto",
            "experiment": str(site_experiment.pk),
            "experiment_scale": "100",
            "independent": "on",
            "completed_on": "2026-10-01",
        },
    )
    assert ok.status_code == 302
    assert _nesta(scaled) == 3
    page = client.get(f"/scaling/plans/{plan.pk}/").content.decode()
    assert "measured by experiment pa-calls" in page
    _snapshot(site_experiment, -0.052, 0.016)  # newer results
    again = client.post(f"/scaling/plans/{plan.pk}/replications/remeasure/")
    assert again.status_code == 302
    assert _nesta(scaled) == 4
    assert Replication.objects.get().estimate == pytest.approx(-5.2)


def test_api_uses_the_experiment_only_when_the_caller_may_see_it(world, scaled, site_experiment):
    _snapshot(site_experiment, -0.052, 0.016)
    client = Client()
    body = {
        "original_effect_id": scaled["effect"].pk,
        "site": "Puerto Alto",
        "experiment_id": site_experiment.pk,
        "experiment_scale": 100,
        "independent": True,
        "completed_on": "2026-10-01",
    }
    made = client.post(
        "/api/v1/scaling/replications",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert made.status_code == 201
    assert made.json()["independent_replications"] == 1
    listed = client.get(
        "/api/v1/scaling/replications", HTTP_AUTHORIZATION=f"Bearer {world.api_key()}"
    ).json()["items"]
    assert listed[0]["experiment_id"] == site_experiment.pk
    assert listed[0]["estimate"] == pytest.approx(-5.2)


def test_an_experiment_outside_the_callers_scope_cannot_be_linked(world, scaled):
    outsider = world.principal("outsider")
    svc = exp.service(outsider, world.other_unit, world.other_unit_agency, name="Elsewhere")
    metric = exp.metric(outsider, world.other_unit, key="missed")
    hidden = exp.ab_experiment(
        outsider, exp.iteration(outsider, svc), [(metric, "primary", None)], key="hidden"
    )
    _snapshot(hidden, -0.052, 0.016)
    client = world.client("staff")
    plan = scaled["plan"]
    assert "(hidden)" not in client.get(f"/scaling/plans/{plan.pk}/").content.decode()
    refused = client.post(
        f"/scaling/plans/{plan.pk}/replications/",
        {
            "site": "Elsewhere",
            "experiment": str(hidden.pk),
            "independent": "on",
            "completed_on": "2026-10-01",
        },
    )
    assert refused.status_code == 422
    api = Client().post(
        "/api/v1/scaling/replications",
        {
            "original_effect_id": scaled["effect"].pk,
            "site": "Elsewhere",
            "experiment_id": hidden.pk,
            "independent": True,
            "completed_on": "2026-10-01",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key()}",
    )
    assert api.status_code == 404
    assert not Replication.objects.exists()


def test_plan_page_words_the_measured_source_in_the_readers_language(
    world, scaled, site_experiment
):
    _snapshot(site_experiment, -0.052, 0.016)
    row = _record(world, scaled, experiment=site_experiment, experiment_scale=100)
    # Stored (and returned by the API) in stable English; the page translates it.
    assert row.measured_source.startswith("experiment pa-calls, results of ")
    day = date.fromisoformat(row.measured_source.rsplit(" ", 1)[1])
    client = world.client("staff")
    url = f"/scaling/plans/{scaled['plan'].pk}/"
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    month = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic"]
    assert f"Experimento pa-calls, resultados del {day.day} {month[day.month - 1]} {day.year}" in (
        spanish
    )
    assert "results of" not in spanish
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Experiment pa-calls, results of {day:%-d %b %Y}" in english
