"""`POST /api/v1/scaling/plans/{pk}/replications/remeasure`: the plan page's update button.

Reference numbers as in test_replication_measured: original −6.1 pp (SE 0.9); a site measuring
+0.1 pp (SE 1.6) does not confirm it, −5.2 pp (SE 1.6) does (Nesta 4).
"""

from datetime import date

import pytest
from django.test import Client

from civicloop.core.models import AuditEvent
from civicloop.scaling import services
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import Replication
from civicloop.scaling.tests.test_replication_measured import (  # noqa: F401
    _nesta,
    _snapshot,
    site_experiment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(world, scaled, site_experiment):  # noqa: F811
    """A replication measured by the site's experiment (not confirming yet) and one typed in."""
    _snapshot(site_experiment, 0.001, 0.016, days_ago=1)
    staff = world.principal("staff")
    common = {"actor": staff, "original": scaled["effect"], "completed_on": date(2026, 10, 1)}
    measured = services.replication_record(
        site="Puerto Alto",
        independent=True,
        experiment=site_experiment,
        experiment_scale=100,
        **common,
    )
    typed = services.replication_record(
        site="Villa Norte",
        independent=False,
        estimate=-4.0,
        std_error=2.5,
        design="before_after",
        **common,
    )
    return measured, typed


def _url(plan) -> str:
    return f"/api/v1/scaling/plans/{plan.pk}/replications/remeasure"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _remeasured_events() -> int:
    return AuditEvent.objects.filter(action=ScalingEvent.REPLICATION_REMEASURED).count()


def test_newer_results_are_read_and_the_effect_gains_a_confirming_replication(
    world,
    scaled,
    site_experiment,  # noqa: F811
    linked,
):
    measured, typed = linked
    assert _nesta(scaled) == 3
    _snapshot(site_experiment, -0.052, 0.016)  # newer results
    client = Client()
    auth = _bearer(world.api_key())
    response = client.post(_url(scaled["plan"]), headers=auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plan_id"] == scaled["plan"].pk
    assert body["original_effect_id"] == scaled["effect"].pk
    assert body["independent_replications"] == 1
    assert body["replication_system"] is False
    by_site = {r["site"]: r for r in body["replications"]}
    assert set(by_site) == {"Puerto Alto", "Villa Norte"}
    assert by_site["Puerto Alto"]["estimate"] == pytest.approx(-5.2)
    assert by_site["Puerto Alto"]["std_error"] == pytest.approx(1.6)
    assert by_site["Puerto Alto"]["consistent"] is True
    assert by_site["Puerto Alto"]["experiment_id"] == site_experiment.pk
    assert "pa-calls" in by_site["Puerto Alto"]["measured_source"]
    # Typed-in figures are left as they were.
    assert (
        by_site["Villa Norte"]["estimate"] == -4.0
        and by_site["Villa Norte"]["experiment_id"] is None
    )
    assert _nesta(scaled) == 4
    measured.refresh_from_db()
    assert measured.estimate == pytest.approx(-5.2)
    event = AuditEvent.objects.get(action=ScalingEvent.REPLICATION_REMEASURED)
    assert event.object_id == str(measured.pk)
    assert event.before is not None and event.after is not None
    assert event.before["estimate"] == pytest.approx(0.1)
    assert event.after["estimate"] == pytest.approx(-5.2)
    # Again, without newer results: same answer, no new re-measure event.
    again = client.post(_url(scaled["plan"]), headers=auth)
    assert again.status_code == 200
    assert again.json()["independent_replications"] == 1
    assert _remeasured_events() == 1


def test_api_and_plan_page_leave_the_same_figures(world, scaled, site_experiment, linked):  # noqa: F811
    _snapshot(site_experiment, -0.052, 0.016)
    api = world.client("staff").post(_url(scaled["plan"]))
    assert api.status_code == 200
    by_api = Replication.objects.get(site="Puerto Alto")
    page = world.client("staff").post(f"/scaling/plans/{scaled['plan'].pk}/replications/remeasure/")
    assert page.status_code == 302
    by_page = Replication.objects.get(site="Puerto Alto")
    assert (by_api.estimate, by_api.std_error, by_api.measured_source) == (
        by_page.estimate,
        by_page.std_error,
        by_page.measured_source,
    )
    assert _remeasured_events() == 1  # the page found nothing new to store


@pytest.mark.parametrize(
    "role", ["evaluator", "auditor", "official", "other_official", "vendor", "outsider"]
)
def test_who_cannot_edit_scaling_in_the_unit_gets_404_and_nothing_changes(
    world,
    scaled,
    site_experiment,  # noqa: F811
    linked,
    role,
):
    _snapshot(site_experiment, -0.052, 0.016)
    response = world.client(role).post(_url(scaled["plan"]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert Replication.objects.get(site="Puerto Alto").estimate == pytest.approx(0.1)
    assert _remeasured_events() == 0
    assert _nesta(scaled) == 3


def test_another_units_key_and_an_unknown_plan_get_the_same_404(world, scaled, linked):
    other = Client().post(
        _url(scaled["plan"]), headers=_bearer(world.api_key(org=world.other_unit))
    )
    unknown = Client().post(
        f"/api/v1/scaling/plans/{scaled['plan'].pk + 1000}/replications/remeasure",
        headers=_bearer(world.api_key()),
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]


def test_read_only_key_is_refused_with_403(world, scaled, site_experiment, linked):  # noqa: F811
    _snapshot(site_experiment, -0.052, 0.016)
    response = Client().post(_url(scaled["plan"]), headers=_bearer(world.api_key(scope="read")))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert Replication.objects.get(site="Puerto Alto").estimate == pytest.approx(0.1)
    assert _remeasured_events() == 0


def test_plan_from_typed_figures_is_refused_naming_effect_id(world, scaled):
    plan = services.replication_plan_create(
        actor=world.principal("staff"),
        problem=scaled["problem"],
        title="From figures",
        benefit=100.0,
        benefit_std_error=10.0,
        tau=0.0,
        draws=1000,
    )
    response = world.client("staff").post(_url(plan))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "effect_id"
    assert "entered as figures" in error["message"]


def test_a_plan_id_that_is_not_a_number_is_refused_naming_pk(world):
    response = world.client("staff").post("/api/v1/scaling/plans/first/replications/remeasure")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["pk"]


def test_operation_is_documented_in_the_openapi_schema(world):
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/scaling/plans/{pk}/replications/remeasure"]["post"]
    assert operation["summary"].startswith("Re-measure a plan's replications")
    for phrase in ("404", "403", "422", "effect_id", "scaling.replication_remeasured"):
        assert phrase in operation["description"]
    assert "requestBody" not in operation
