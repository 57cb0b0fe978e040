import secrets

import psycopg
import pytest

from civicloop.analytics.engine import (
    EventStore,
    MetricDefinition,
    compile_metric_sql,
    straightforward_statistics,
    variant_statistics,
)
from civicloop.analytics.metrics import stats_from_rows
from civicloop.analytics.tests._data import (
    METRICS,
    PERCENTILE,
    as_tuples,
    assert_close,
    make_events,
    reference_statistics,
)

PG = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@pytest.fixture(scope="module")
def events():
    return make_events(7, units=60)


@pytest.fixture(scope="module")
def store(events, tmp_path_factory):
    store = EventStore(tmp_path_factory.mktemp("metrics"))
    for start in range(0, len(events), 1000):
        assert not store.accept(events[start : start + 1000]).rejected
    store.flush()
    yield store
    store.close()


@pytest.fixture(scope="module")
def postgres_events(events):
    schema = "civicloop_test_" + secrets.token_hex(6)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.events (event_id uuid, unit_id text, name text, "
            "ts timestamptz, value double precision, experiment text, variant text, "
            "properties jsonb)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {schema}.events VALUES (%s, %s, %s, %s, %s, %s, %s, NULL)",
                [
                    (
                        e["event_id"],
                        e["unit_id"],
                        e["name"],
                        e["timestamp"],
                        e.get("value"),
                        (e.get("properties") or {}).get("experiment"),
                        (e.get("properties") or {}).get("variant"),
                    )
                    for e in events
                ],
            )
        try:
            yield f"{schema}.events"
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


ALL = [*METRICS, PERCENTILE]


@pytest.mark.parametrize("metric", ALL, ids=lambda m: m.key)
def test_reference_sql_on_duckdb_equals_python(store, events, metric):
    got = straightforward_statistics(store, "exp", [metric])
    expected = reference_statistics(events, metric, "exp")
    assert_close(as_tuples({v: m[metric.key] for v, m in got.items()}), expected)


@pytest.mark.parametrize("metric", ALL, ids=lambda m: m.key)
def test_rollup_path_equals_python(store, events, metric):
    got = variant_statistics(store, "exp", [metric])
    expected = reference_statistics(events, metric, "exp")
    assert_close(as_tuples({v: m[metric.key] for v, m in got.items()}), expected)


@pytest.mark.postgres
@pytest.mark.parametrize("metric", ALL, ids=lambda m: m.key)
def test_postgres_sql_equals_python(postgres_events, events, metric):
    sql = compile_metric_sql(metric, "exp", "postgres", events_table=postgres_events)
    with psycopg.connect(PG) as conn:
        rows = conn.execute(sql).fetchall()
    expected = reference_statistics(events, metric, "exp")
    assert_close(as_tuples(stats_from_rows(metric, rows)), expected)


def test_every_metric_is_one_query_in_each_warehouse_dialect():
    for dialect in ("postgres", "spark", "trino", "bigquery"):
        for metric in METRICS:
            sql = compile_metric_sql(metric, "exp", dialect)
            assert sql.count("SELECT") >= 3
            assert ";" not in sql


def test_percentile_refuses_dialects_without_an_exact_aggregate():
    with pytest.raises(NotImplementedError, match="trino has no exact"):
        compile_metric_sql(PERCENTILE, "exp", "trino")


def test_an_experiment_key_with_a_quote_is_a_literal_not_sql(store):
    # A crafted key must match nothing rather than alter the query.
    got = straightforward_statistics(store, "exp' OR '1'='1", [METRICS[0]])
    assert got == {}


def test_custom_sql_metric_reads_the_analysts_rows(store, events):
    custom = MetricDefinition(
        key="big_pay",
        aggregation="count",
        custom_sql="SELECT unit_id, ts, value FROM all_events WHERE name = 'pay' AND value > 50",
        window_hours=72,
    )
    filtered = [e for e in events if not (e["name"] == "pay" and (e.get("value") or 0) <= 50)]
    renamed = [{**e, "name": "big"} if e["name"] == "pay" else e for e in filtered]
    expected = reference_statistics(
        renamed,
        MetricDefinition(key="x", aggregation="count", event_name="big", window_hours=72),
        "exp",
    )
    got = variant_statistics(store, "exp", [custom])
    assert_close(as_tuples({v: m["big_pay"] for v, m in got.items()}), expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aggregation": "median", "event_name": "x"}, "not supported"),
        ({"aggregation": "count"}, "exactly one of event_name or custom_sql"),
        ({"aggregation": "percentile", "event_name": "x"}, "strictly between 0 and 1"),
        (
            {"aggregation": "count", "custom_sql": "DROP TABLE events"},
            "statement DROP is not allowed",
        ),
        ({"aggregation": "ratio"}, "numerator and a denominator"),
    ],
)
def test_invalid_metric_definitions_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MetricDefinition(key="m", **kwargs)
