"""A warehouse gives the embedded store's numbers on the same events (PostgreSQL, Spark), and
the SQL for Trino and BigQuery is valid in their dialects."""

from __future__ import annotations

import uuid

import pytest
import sqlglot

from civicloop.analytics import backends
from civicloop.analytics.engine import EventStore, variant_statistics
from civicloop.analytics.tests._data import METRICS, PERCENTILE, make_events
from civicloop.analytics.tests._warehouse import (
    PG_URL,
    SPARK_URL,
    assert_same_statistics,
    postgres_drop,
    postgres_load,
    spark_load,
)
from civicloop.analytics.warehouse import Warehouse, warehouse_variant_statistics

ALL = [*METRICS, PERCENTILE]


@pytest.fixture(scope="module")
def events():
    return make_events(11, units=80)


@pytest.fixture(scope="module")
def embedded(events, tmp_path_factory):
    """What an experiment refreshed in the embedded store computes (the roll-up path)."""
    store = EventStore(tmp_path_factory.mktemp("embedded"))
    assert not store.accept(events).rejected
    store.flush()
    yield variant_statistics(store, "exp", ALL)
    store.close()


@pytest.mark.postgres
def test_postgres_warehouse_gives_the_embedded_stores_numbers(events, embedded):
    schema, table = postgres_load(events)
    try:
        got, queries = warehouse_variant_statistics(Warehouse(PG_URL, table), "exp", ALL)
    finally:
        postgres_drop(schema)
    assert_same_statistics(got, embedded)
    assert [q["metric"] for q in queries] == [m.key for m in ALL]
    assert all(table in q["sql"] for q in queries)


@pytest.mark.postgres
def test_a_shared_warehouse_gives_each_unit_its_own_events_numbers(events, embedded):
    # Another organisation ran an experiment with the same key (keys are unique per unit only)
    # and its events sit in the same table: the unit's figures must not move.
    theirs = [
        {**e, "event_id": str(uuid.uuid4()), "unit_id": f"theirs-{e['unit_id']}"}
        for e in make_events(12, units=50)
    ]
    schema, table = postgres_load(events, {8: theirs}, organization=7)
    try:
        shared = Warehouse(PG_URL, table, organization_id=7)
        got, queries = warehouse_variant_statistics(shared, "exp", ALL)
        mixed, _ = warehouse_variant_statistics(Warehouse(PG_URL, table), "exp", ALL)
    finally:
        postgres_drop(schema)
    assert_same_statistics(got, embedded)
    assert mixed["control"][ALL[0].key].n > got["control"][ALL[0].key].n  # the check can fail
    assert all("organization = 7" in q["sql"] for q in queries)


@pytest.mark.slow
def test_spark_local_warehouse_gives_the_embedded_stores_numbers(events, embedded):
    pytest.importorskip("pyspark")
    view = spark_load(events)
    try:
        got, queries = warehouse_variant_statistics(Warehouse(SPARK_URL, view), "exp", ALL)
    finally:
        backends.spark_session(SPARK_URL).stop()
    assert_same_statistics(got, embedded)
    assert any("PERCENTILE(" in q["sql"] for q in queries)


@pytest.mark.parametrize("dialect", ["trino", "bigquery"])
def test_trino_and_bigquery_sql_parses_back_in_their_dialect(dialect):
    queries = backends.warehouse_queries(
        metrics=METRICS, experiment_key="exp", dialect=dialect, events_table="lake.events"
    )
    for query in queries:
        tree = sqlglot.parse_one(query["sql"], read=dialect)  # raises on a syntax error
        assert tree.find(sqlglot.exp.Table) is not None
        # Round trip in that dialect: what the engine would receive is stable.
        assert tree.sql(dialect=dialect) == query["sql"]


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("postgresql://analyst@wh:5432/events", "postgres"),
        ("sc://spark.internal:15002", "spark"),
        ("spark://local[2]", "spark"),
        ("local", "spark"),
        ("trino://analyst@trino:443/hive/lake", "trino"),
        ("bigquery://my-project/analytics", "bigquery"),
    ],
)
def test_warehouse_urls_name_their_dialect(url, dialect):
    assert backends.dialect_for(url) == dialect


def test_an_unknown_warehouse_url_names_what_is_accepted():
    with pytest.raises(ValueError, match="postgresql://"):
        backends.dialect_for("mysql://wh/events")


def test_a_password_in_a_url_is_never_shown():
    shown = Warehouse("postgresql://analyst:s3cret@wh:5432/events", "events").label
    assert "s3cret" not in shown
    assert shown == "PostgreSQL warehouse postgresql://analyst:***@wh:5432/events"


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("trino://analyst@trino:8080/hive/lake", "trino"),
        ("bigquery://p/d", "google-cloud-bigquery"),
    ],
)
def test_a_missing_driver_is_named(url, package, monkeypatch):
    import importlib

    real = importlib.import_module

    def refuse(name, *args):
        if name in ("trino", "google.cloud.bigquery"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", refuse)
    with pytest.raises(backends.WarehouseDriverMissing, match=package):
        backends.connect(url)


@pytest.mark.parametrize("name", ["events; DROP TABLE x", "a.b.c.d", "", "ev-ents"])
def test_an_events_table_name_is_an_identifier_only(name):
    with pytest.raises(ValueError, match="events table"):
        backends.events_table_check(name)


@pytest.mark.parametrize("url", ["trino://a@trino:8080/hive/lake", "bigquery://p/d"])
def test_a_percentile_metric_is_refused_for_trino_and_bigquery_with_its_name(url):
    with pytest.raises(backends.WarehouseError, match="metric 'p75_pay'"):
        warehouse_variant_statistics(Warehouse(url, "events"), "exp", [PERCENTILE])
