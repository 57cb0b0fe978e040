"""An experiment analysed in the warehouse: same numbers as the embedded store, where it ran and
the SQL it ran shown on the results page."""

from __future__ import annotations

import math

import pytest

from civicloop.analytics import services as analytics_services
from civicloop.analytics.tests._data import make_events
from civicloop.analytics.tests._warehouse import PG_URL, postgres_drop, postgres_load
from civicloop.analytics.warehouse import warehouse_settings_update
from civicloop.experiments import services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    return make_events(5, units=120)


@pytest.fixture
def experiment(world, event_store_dir, events):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    paid = f.metric(staff, world.unit, "paid", aggregation="any", event_name="pay", window_hours=48)
    spend = f.metric(
        staff, world.unit, "spend", aggregation="sum", event_name="pay", window_hours=24 * 7
    )
    exp = f.ab_experiment(
        staff,
        it,
        [(paid, "primary", None), (spend, "secondary", None)],
        key="exp",
        variants=[{"key": "control", "weight": 1}, {"key": "treatment", "weight": 1}],
    )
    store = analytics_services.event_store(organization_id=world.unit.pk)
    assert not store.accept(events).rejected
    store.flush()
    return services.experiment_start(actor=staff, experiment=exp)


def _same(got, expected, path="payload"):
    if isinstance(expected, float):
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), path
    elif isinstance(expected, dict):
        assert sorted(got) == sorted(expected), path
        for key in expected:
            _same(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), path
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            _same(a, b, f"{path}[{i}]")
    else:
        assert got == expected, path


@pytest.fixture(autouse=True)
def _the_test_warehouse_host_is_allowed(settings):
    settings.CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.mark.postgres
def test_an_experiment_analysed_in_a_postgres_warehouse_gets_the_embedded_stores_results(
    world, experiment, events
):
    staff = world.principal("staff")
    embedded = services.experiment_refresh(experiment=experiment)
    assert embedded.ok, embedded.error
    assert embedded.analysed_in == "embedded store"
    assert embedded.queries == []

    schema, table = postgres_load(events)
    try:
        warehouse_settings_update(
            actor=staff, unit=world.unit, url=PG_URL, events_table=table, password_secret=""
        )
        services.experiment_update(actor=staff, experiment=experiment, analysed_in_warehouse=True)
        warehoused = services.experiment_refresh(experiment=experiment)
    finally:
        postgres_drop(schema)

    assert warehoused.ok, warehoused.error
    assert warehoused.analysed_in == f"PostgreSQL warehouse {PG_URL}"
    assert [q["metric"] for q in warehoused.queries] == ["paid", "spend"]
    assert all(f"FROM {table}" in q["sql"] for q in warehoused.queries)
    expected = dict(embedded.payload)
    # The day-by-day chart is drawn from the embedded store only (docs/analytics/warehouse.md).
    expected["cumulative"] = []
    _same(warehoused.payload, expected)
    assert warehoused.payload["counts"]["control"] > 0

    page = world.client("staff").get(f"/experiments/{experiment.pk}/")
    html = page.content.decode()
    assert "Analysed in" in html
    assert f"PostgreSQL warehouse {PG_URL}" in html
    assert "View queries" in html
    assert "not drawn for this analysis" in html  # the missing day-by-day chart is explained
    assert "COUNT(*) AS n" in html  # the SQL itself, in the disclosure

    api = world.client("staff").get(f"/api/v1/experiments/{experiment.pk}/results").json()
    assert api["analysed_in"] == f"PostgreSQL warehouse {PG_URL}"
    assert api["queries"] == warehoused.queries


def test_a_warehouse_refresh_without_a_warehouse_says_where_to_set_one(world, experiment):
    staff = world.principal("staff")
    services.experiment_update(actor=staff, experiment=experiment, analysed_in_warehouse=True)
    snapshot = services.experiment_refresh(experiment=experiment)
    assert not snapshot.ok
    assert "no warehouse is set" in snapshot.error


def test_an_unreachable_warehouse_is_a_failed_snapshot_not_a_crash(world, experiment):
    staff = world.principal("staff")
    warehouse_settings_update(
        actor=staff,
        unit=world.unit,
        url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
        events_table="events",
        password_secret="",
    )
    services.experiment_update(actor=staff, experiment=experiment, analysed_in_warehouse=True)
    snapshot = services.experiment_refresh(experiment=experiment)
    assert not snapshot.ok
    assert snapshot.error.startswith("PostgreSQL warehouse refused the query")
    assert snapshot.analysed_in.startswith("PostgreSQL warehouse")
    assert ResultSnapshot.objects.filter(experiment=experiment).count() == 1


def test_the_results_page_switches_an_experiment_to_the_warehouse(world, experiment):
    client = world.client("staff")
    response = client.post(f"/experiments/{experiment.pk}/analyse-in-warehouse/")
    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.analysed_in_warehouse
    assert "Analyse in the embedded store" in client.get(f"/experiments/{experiment.pk}/").text
    # A person who may not manage the unit's experiments cannot switch it.
    world.client("auditor").post(f"/experiments/{experiment.pk}/analyse-in-store/")
    experiment.refresh_from_db()
    assert experiment.analysed_in_warehouse


def test_the_api_switches_an_experiment_to_the_warehouse(world, experiment):
    key = world.api_key("write")
    response = world.client(None).patch(
        f"/api/v1/experiments/{experiment.pk}",
        {"analysed_in_warehouse": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["analysed_in_warehouse"] is True
    experiment.refresh_from_db()
    assert experiment.analysed_in_warehouse
    assert not experiment.deviations.exists()  # where it runs is not a change of the plan
