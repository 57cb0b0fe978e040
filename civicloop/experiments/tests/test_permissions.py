"""Who sees what: unit staff manage; officials see their agency's services; vendors see what is
shared with them; everyone else gets 404 (pages and API alike)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicloop.experiments import services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(world):
    staff = world.principal("staff")
    own = f.service(staff, world.unit, world.agency, name="Housing decisions")
    other = f.service(
        staff, world.unit, world.other_agency, name="Bus passes", shared_with=[world.company]
    )
    it = f.iteration(staff, own)
    metric = f.metric(staff, world.unit, "renewed")
    exp = f.ab_experiment(staff, it, [(metric, "primary", None)])
    snap = ResultSnapshot.objects.create(
        experiment=exp, computed_at=timezone.now(), payload={"design": "randomised", "metrics": {}}
    )
    other_it = f.iteration(staff, other)
    other_exp = f.ab_experiment(staff, other_it, [(metric, "primary", None)], key="bus")
    site_metric = f.metric(staff, world.unit, "days", source="sites")
    site_exp = services.experiment_create(
        actor=staff,
        iteration=it,
        key="pilot",
        title="Pilot offices",
        design="did",
        analysis_plan="TWFE",
        metrics=[(site_metric, "primary", None)],
    )
    return {
        "own": own,
        "other": other,
        "it": it,
        "exp": exp,
        "snap": snap,
        "other_exp": other_exp,
        "site_exp": site_exp,
    }


def _names(client) -> set[str]:
    return {s["name"] for s in client.get("/api/v1/services").json()["items"]}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("staff", {"Housing decisions", "Bus passes"}),
        ("auditor", {"Housing decisions", "Bus passes"}),
        ("official", {"Housing decisions"}),
        ("other_official", {"Bus passes"}),
        ("vendor", {"Bus passes"}),
        ("outsider", set()),
    ],
)
def test_service_list_is_scoped(world, objects, role, visible):
    assert _names(world.client(role)) == visible


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("official", 200),
        ("evaluator", 200),
        ("other_official", 404),
        ("vendor", 404),
        ("outsider", 404),
    ],
)
def test_pages_and_api_answer_404_outside_scope(world, objects, role, status):
    client = world.client(role)
    exp, it, own = objects["exp"], objects["it"], objects["own"]
    for url in (
        f"/experiments/services/{own.pk}/",
        f"/experiments/iterations/{it.pk}/",
        f"/experiments/{exp.pk}/",
        f"/experiments/{exp.pk}/refresh-status/",
        f"/experiments/{objects['site_exp'].pk}/refresh-status/",
        f"/api/v1/services/{own.pk}",
        f"/api/v1/experiments/{exp.pk}",
        f"/api/v1/experiments/{exp.pk}/results",
    ):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("staff", 200),
        ("official", 404),
        ("evaluator", 404),
        ("auditor", 404),
        ("other_official", 404),
        ("vendor", 404),
        ("outsider", 404),
    ],
)
def test_only_unit_staff_reach_the_site_observations_upload(world, objects, role, status):
    """Readers of the experiment see its page but not the upload; everyone else gets 404."""
    client = world.client(role)
    site_exp = objects["site_exp"]
    for url in (
        f"/experiments/{site_exp.pk}/site-observations/",
        f"/experiments/{site_exp.pk}/site-observations/template.csv",
    ):
        assert client.get(url).status_code == status, url
    csv = SimpleUploadedFile("sites.csv", b"site,period,outcome\nA,2025-01-06,1\n")
    r = client.post(f"/experiments/{site_exp.pk}/site-observations/", {"file": csv})
    assert r.status_code == (302 if status == 200 else 404)
    assert site_exp.site_observations.count() == (1 if status == 200 else 0)


def test_vendor_sees_shared_service_but_cannot_manage_it(world, objects):
    client = world.client("vendor")
    other_exp = objects["other_exp"]
    assert client.get(f"/experiments/{other_exp.pk}/").status_code == 200
    assert client.get(f"/experiments/{other_exp.pk}/refresh-status/").status_code == 200
    assert client.post(f"/experiments/{other_exp.pk}/start/").status_code == 404
    assert client.post(f"/experiments/{other_exp.pk}/refresh/").status_code == 404
    r = client.post(f"/api/v1/experiments/{other_exp.pk}/start")
    assert r.status_code == 404


def test_only_unit_staff_decide(world, objects):
    body = json.dumps(
        {"kind": "scale", "rationale": "Worked.", "cited_result_ids": [objects["snap"].pk]}
    )
    for role in ("official", "auditor", "vendor", "outsider"):
        r = world.client(role).post(
            f"/api/v1/iterations/{objects['it'].pk}/decision",
            data=body,
            content_type="application/json",
        )
        assert r.status_code == 404, role
    r = world.client("staff").post(
        f"/api/v1/iterations/{objects['it'].pk}/decision",
        data=body,
        content_type="application/json",
    )
    assert r.status_code == 201


def test_decision_without_rationale_is_a_clear_422(world, objects):
    r = world.client("staff").post(
        f"/api/v1/iterations/{objects['it'].pk}/decision",
        data=json.dumps({"kind": "scale", "cited_result_ids": [objects["snap"].pk]}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "rationale"


def test_editing_a_locked_plan_through_the_api_without_reason_is_refused(world, objects):
    client = world.client("staff")
    exp = objects["exp"]
    assert client.post(f"/api/v1/experiments/{exp.pk}/start").status_code == 200
    r = client.patch(
        f"/api/v1/experiments/{exp.pk}",
        data=json.dumps({"alpha": 0.01}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "pre-registered" in r.json()["detail"]
    r = client.patch(
        f"/api/v1/experiments/{exp.pk}",
        data=json.dumps({"alpha": 0.01, "reason": "Many metrics: stricter"}),
        content_type="application/json",
    )
    assert r.status_code == 200
    r = client.get(f"/api/v1/experiments/{exp.pk}/results")
    assert r.json()["deviations"][0]["field"] == "alpha"


def test_running_overview_query_count_is_flat(world, objects, django_assert_num_queries):
    from civicloop.experiments import services

    staff = world.principal("staff")
    services.experiment_start(actor=staff, experiment=objects["exp"])
    services.experiment_start(actor=staff, experiment=objects["other_exp"])
    client = world.client("staff")
    client.get("/experiments/")  # warm caches (session, content types)
    with django_assert_num_queries(8):
        page = client.get("/experiments/")
    assert page.content.decode().count("Decision due") == 0
    metric = objects["exp"].metric_links.get().metric
    third = f.ab_experiment(
        staff, f.iteration(staff, objects["own"]), [(metric, "primary", None)], key="third"
    )
    services.experiment_start(actor=staff, experiment=third)
    with django_assert_num_queries(8):
        page = client.get("/experiments/")
    assert page.content.decode().count('href="/experiments/' + str(third.pk) + '/"') == 1


def test_sharing_a_service_lets_the_vendor_see_it(world, objects):
    own = objects["own"]
    vendor = world.client("vendor")
    assert vendor.get(f"/api/v1/services/{own.pk}").status_code == 404
    r = world.client("staff").post(
        f"/api/v1/services/{own.pk}/share",
        data=json.dumps({"organization_ids": [world.company.pk]}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert vendor.get(f"/api/v1/services/{own.pk}").status_code == 200
    r = world.client("staff").post(
        f"/api/v1/services/{own.pk}/share",
        data=json.dumps({"organization_ids": [world.agency.pk]}),
        content_type="application/json",
    )
    assert r.status_code == 422  # services are shared with companies only


def test_hypothesis_change_through_the_api_after_start_is_a_deviation(world, objects):
    client = world.client("staff")
    exp, it = objects["exp"], objects["it"]
    client.post(f"/api/v1/experiments/{exp.pk}/start")
    body = {"hypothesis_effect": "3 points"}
    r = client.patch(
        f"/api/v1/iterations/{it.pk}", data=json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    body["reason"] = "The power calculation showed 10 points was optimistic"
    r = client.patch(
        f"/api/v1/iterations/{it.pk}", data=json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 200
    assert "improves by 3 points" in r.json()["hypothesis"]
    deviations = client.get(f"/api/v1/experiments/{exp.pk}/results").json()["deviations"]
    assert [d["field"] for d in deviations] == ["hypothesis"]
    assert "10 points" in deviations[0]["before"]
    assert (
        client.get(f"/experiments/{exp.pk}/")
        .content.decode()
        .count("The power calculation showed 10 points was optimistic")
        == 1
    )


def test_staff_register_a_service_in_the_ui_with_its_problems_and_kpis(world):
    from civicloop.experiments.models import Service
    from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory

    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    kpi = KpiFactory.create(problem=problem)
    client = world.client("staff")
    r = client.post(
        "/experiments/services/new/",
        {
            "name": "Parking permits",
            "owner_agency": world.agency.pk,
            "channels": ["online"],
            "annual_volume": "12000",
            "cost_per_transaction": "7.25",
            "currency": "eur",
            "problems": [problem.pk],
            "kpis": [kpi.pk],
        },
    )
    assert r.status_code == 302
    service = Service.objects.get(name="Parking permits")
    assert (service.cost_per_transaction, service.currency) == (Decimal("7.25"), "EUR")
    assert list(service.kpis.all()) == [kpi]
    r = client.post(
        "/experiments/services/new/",
        {
            "name": "Bad",
            "owner_agency": world.agency.pk,
            "annual_volume": "1",
            "cost_per_transaction": "-3",
            "currency": "EUR",
        },
    )
    assert r.status_code == 200
    assert "Cost per transaction" in r.content.decode()
    assert not Service.objects.filter(name="Bad").exists()
