# The fuzzing builds hostile SQL strings on purpose: they only go to the checker.
# ruff: noqa: S608
"""Custom metric SQL never reaches an engine that can touch files, the network, settings,
extensions or other relations (security review 2026-12-02, F1; issue 12 finding 1).

Two layers are tested: the metric language refuses (naming it) every DuckDB construct that reads
files, the network, settings or extensions, wherever it is nested; and the event store's DuckDB
connection itself refuses to read a file outside the store even if such SQL got through.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.analytics.assignment import assign
from civicloop.analytics.metric_language import MetricLanguageError, check_custom_sql
from civicloop.analytics.metrics import MetricDefinition
from civicloop.analytics.models import Metric
from civicloop.analytics.store import EventStore

# DuckDB's functions that read files or the network, or reveal settings, extensions, secrets
# and the catalogue (scalar and table functions alike).
DANGEROUS_FUNCTIONS = [
    "read_text",
    "read_blob",
    "read_csv",
    "read_csv_auto",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_ndjson",
    "read_ndjson_objects",
    "read_parquet",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "read_xlsx",
    "glob",
    "sniff_csv",
    "getenv",
    "current_setting",
    "getvariable",
    "duckdb_settings",
    "duckdb_extensions",
    "duckdb_secrets",
    "duckdb_tables",
    "duckdb_databases",
    "duckdb_functions",
    "query",
    "query_table",
    "load_extension",
    "pragma_database_list",
    "sqlite_scan",
    "postgres_scan",
    "iceberg_scan",
    "delta_scan",
]
TARGETS = [
    "/etc/passwd",
    "var/dev-secret-key",
    "../../var/civicloop.sqlite3",
    "https://evil.example/x.csv",
    "s3://bucket/key.parquet",
    "*",
]
STATEMENTS = [
    "ATTACH '/tmp/other.db' AS o",
    "DETACH o",
    "COPY events TO '/tmp/out.csv'",
    "COPY (SELECT 1) TO '/tmp/out.parquet' (FORMAT PARQUET)",
    "INSTALL httpfs",
    "LOAD httpfs",
    "FORCE INSTALL httpfs",
    "PRAGMA database_list",
    "PRAGMA enable_profiling",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "EXPORT DATABASE '/tmp/dump'",
    "IMPORT DATABASE '/tmp/dump'",
    "CALL duckdb_settings()",
    "CREATE SECRET s (TYPE s3)",
    "CREATE TABLE t AS SELECT 1",
    "DROP TABLE events",
    "USE other",
    "CHECKPOINT",
    "DESCRIBE events",
    "SUMMARIZE events",
]


def _case_variants(name: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
        lambda flags: "".join(c.upper() if f else c for c, f in zip(name, flags, strict=True))
    )


@st.composite
def function_calls(draw) -> tuple[str, str]:
    """A dangerous function (any case, maybe quoted) called somewhere inside a metric query."""
    name = draw(st.sampled_from(DANGEROUS_FUNCTIONS))
    spelled = draw(_case_variants(name))
    if draw(st.booleans()):
        spelled = f'"{spelled}"'
    target = draw(st.sampled_from(TARGETS))
    call = f"{spelled}('{target}')"
    places = [
        # as a table function, joined to the events
        f"SELECT e.unit_id, e.ts, 1.0 AS value FROM events e, {call} f",
        f"SELECT e.unit_id, e.ts, 1.0 AS value FROM events e JOIN {call} f ON true",
        f"SELECT unit_id, ts, value FROM {call}",
        # inside a CTE, a derived table, a subquery in WHERE, EXISTS
        f"WITH f AS (SELECT * FROM {call}) SELECT unit_id, ts, value FROM events",
        f"WITH a AS (SELECT unit_id, ts, {call} AS value FROM events) "
        "SELECT unit_id, ts, value FROM a",
        f"SELECT unit_id, ts, value FROM (SELECT unit_id, ts, {call} AS value FROM events) s",
        f"SELECT unit_id, ts, value FROM events WHERE unit_id IN (SELECT * FROM {call})",
        f"SELECT unit_id, ts, value FROM events WHERE EXISTS (SELECT 1 FROM {call})",
        # as a scalar: in the projection, arithmetic, CASE, CAST, a filter, GROUP BY, ORDER BY
        f"SELECT unit_id, ts, {call} AS value FROM events",
        f"SELECT unit_id, ts, value + length({call}) AS value FROM events",
        f"SELECT unit_id, ts, CASE WHEN name = 'x' THEN {call} ELSE 0 END AS value FROM events",
        f"SELECT unit_id, ts, CAST({call} AS DOUBLE) AS value FROM events",
        f"SELECT unit_id, ts, value FROM events WHERE name = {call}",
        f"SELECT unit_id, MIN(ts) AS ts, 1 AS value FROM events GROUP BY unit_id, {call}",
        f"SELECT unit_id, ts, value FROM events ORDER BY {call}",
        f"SELECT unit_id, ts, coalesce(value, {call}) AS value FROM events",
    ]
    return draw(st.sampled_from(places)), name


@st.composite
def file_relations(draw) -> tuple[str, str]:
    """A file or URL named as a table (DuckDB replacement scans), or another relation."""
    target = draw(
        st.sampled_from(
            [
                "x.csv",
                "/etc/passwd",
                "var/dev-secret-key",
                "https://evil.example/data.parquet",
                "s3://bucket/k.json",
                "events.csv",
                "writer_state",
                "parquet_files",
                "rollup_units",
                "information_schema.tables",
                "main.events",
                "sqlite_master",
            ]
        )
    )
    plain = target.replace(".", "").replace("_", "").isalnum()
    quote = draw(st.sampled_from(["'", '"', ""] if plain else ["'", '"']))
    relation = f"{quote}{target}{quote}" if quote else target
    places = [
        f"SELECT unit_id, ts, value FROM {relation}",
        f"SELECT e.unit_id, e.ts, e.value FROM events e, {relation} f",
        f"WITH a AS (SELECT * FROM {relation}) SELECT unit_id, ts, value FROM events",
        f"SELECT unit_id, ts, value FROM events WHERE unit_id IN (SELECT unit_id FROM {relation})",
        f"SELECT unit_id, ts, CASE WHEN EXISTS (SELECT 1 FROM {relation}) THEN 1 END AS value "
        "FROM events",
    ]
    return draw(st.sampled_from(places)), target


@st.composite
def statements(draw) -> tuple[str, str]:
    statement = draw(st.sampled_from(STATEMENTS))
    keyword = statement.split()[0]
    shape = draw(st.sampled_from(["{s}", "SELECT unit_id, ts, value FROM events; {s}", "{s};"]))
    return shape.format(s=statement), keyword


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(function_calls())
def test_file_network_settings_and_extension_functions_are_refused_by_name(case):
    sql, name = case
    with pytest.raises(MetricLanguageError) as caught:
        check_custom_sql(sql)
    assert name in str(caught.value).lower()
    assert str(caught.value).startswith("custom_sql: ")
    # ... and the engine's metric definition refuses it as well (a ValueError naming it).
    with pytest.raises(ValueError, match=name):
        MetricDefinition(key="m", aggregation="count", custom_sql=sql)


@FUZZ
@given(file_relations())
def test_files_urls_and_other_relations_as_tables_are_refused(case):
    sql, target = case
    with pytest.raises(MetricLanguageError) as caught:
        check_custom_sql(sql)
    message = str(caught.value)
    assert target.split(".")[0] in message or "DB in TABLE" in message


@FUZZ
@given(statements())
def test_statements_other_than_select_are_refused_by_keyword(case):
    sql, keyword = case
    with pytest.raises(MetricLanguageError) as caught:
        check_custom_sql(sql)
    message = str(caught.value)
    assert keyword in message or "exactly one SELECT" in message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_either_accepted_or_refused_with_a_reason(text):
    # Never a crash (a 500): the parser's own failures become MetricLanguageError.
    try:
        checked = check_custom_sql(text)
    except MetricLanguageError:
        return
    assert check_custom_sql(checked.sql()).sql() == checked.sql()


def test_the_query_that_runs_is_re_emitted_from_the_checked_tree():
    sql = "SELECT unit_id, ts, value FROM events WHERE name = 'pay' -- */ ; ATTACH 'x'"
    emitted = check_custom_sql(sql).sql("all_events")
    assert emitted == "SELECT unit_id, ts, value FROM all_events AS events WHERE name = 'pay'"


# -- the connection itself (defence in depth) ----------------------------------------------


@pytest.fixture
def locked_store(tmp_path):
    store = EventStore(tmp_path / "store")
    yield store
    store.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('{secret}')",
        "SELECT * FROM read_blob('{secret}')",
        "SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM '{secret}'",
        "SELECT * FROM glob('{outside}/*')",
        "SELECT * FROM read_text('{store}/../secret.txt')",
        "COPY (SELECT 1) TO '{outside}/out.csv'",
        "ATTACH '{outside}/other.duckdb' AS other",
        "SELECT * FROM read_parquet('https://evil.example/x.parquet')",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "RESET enable_external_access",
        "SET allowed_directories = ['/']",
    ],
)
def test_the_store_connection_refuses_files_outside_the_store_and_config_changes(
    locked_store, tmp_path, sql
):
    secret = tmp_path / "secret.txt"
    secret.write_text("wZj1Ko-not-for-metrics")
    con = locked_store._connection()
    statement = sql.format(secret=secret, outside=tmp_path, store=locked_store.path)
    with pytest.raises(duckdb.Error):
        con.execute(statement).fetchall()
    settings_now = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
            "'lock_configuration', 'autoload_known_extensions', 'autoinstall_known_extensions')"
        ).fetchall()
    )
    assert settings_now == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoload_known_extensions": "false",
        "autoinstall_known_extensions": "false",
    }


# -- through the HTTP API and the form (the review's reproduction) -------------------------

REVIEW_SQL = (
    "SELECT e.unit_id, e.ts, CAST(length(f.content) + CAST(regexp_extract(e.unit_id,"
    "'u([0-9]+)$',1) AS INTEGER) AS DOUBLE) AS value FROM events e, "
    "read_text('var/dev-secret-key') f WHERE e.name = '$exposure'"
)


def _api(client, method, path, key, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


@pytest.mark.django_db
def test_the_review_exfiltration_metric_is_refused_with_422_naming_read_text(world, client):
    key = world.api_key("write", org=world.other_unit)
    r = _api(
        client,
        "post",
        "/metrics",
        key,
        {"key": "secret-len", "name": "x", "aggregation": "mean", "custom_sql": REVIEW_SQL},
    )
    assert r.status_code == 422, r.content
    assert r["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert "read_text" in body["detail"]
    assert body["detail"].startswith("custom_sql: function")
    assert body["errors"][0]["field"] == "custom_sql"
    assert not Metric.objects.filter(key="secret-len").exists()


@pytest.mark.django_db
def test_the_metric_form_refuses_a_file_reading_query_on_the_custom_sql_field(world):
    r = world.client("staff").post(
        "/analytics/metrics/new/",
        {
            "name": "Secret",
            "key": "secret",
            "source": "events",
            "aggregation": "count",
            "custom_sql": "SELECT unit_id, ts, 1 AS value FROM read_blob('/etc/passwd')",
            "higher_is_better": "True",
        },
    )
    assert r.status_code == 200
    assert "function read_blob is not allowed" in r.content.decode()
    assert not Metric.objects.filter(key="secret").exists()


@pytest.mark.django_db
def test_a_legitimate_custom_metric_is_accepted_and_analysed(
    world, client, event_store_dir, django_capture_on_commit_callbacks
):
    from civicloop.experiments.tests import factories

    key = world.api_key()
    r = _api(
        client,
        "post",
        "/metrics",
        key,
        {
            "key": "online-pay",
            "name": "Online payments",
            "aggregation": "sum",
            "custom_sql": "SELECT unit_id, ts, value FROM events "
            "WHERE name = 'pay' AND properties->>'$.channel' = 'online'",
        },
    )
    assert r.status_code == 201, r.content
    actor = world.principal("staff")
    svc = factories.service(actor, world.unit, world.agency)
    experiment = factories.ab_experiment(
        actor,
        factories.iteration(actor, svc),
        [(Metric.objects.get(pk=r.json()["id"]), "primary", None)],
        key="online-pay-ab",
    )
    from civicloop.experiments import services as experiment_services

    experiment_services.experiment_start(actor=actor, experiment=experiment)
    config = experiment_services.experiment_assignment_config(experiment)
    start = datetime.now(UTC) - timedelta(days=2)
    events: list[dict[str, Any]] = []
    expected: dict[str, list[float]] = {"control": [], "sms": []}
    for i in range(40):
        unit = f"u{i}"
        assignment = assign(config, unit)
        assert assignment is not None
        variant = assignment.variant
        events.append(
            {
                "event_id": str(uuid.uuid4()),
                "unit_id": unit,
                "name": "$exposure",
                "timestamp": start.isoformat(),
                "properties": {"experiment": "online-pay-ab", "variant": variant},
            }
        )
        for channel, value in (("online", float(i)), ("counter", 1000.0)):
            events.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "unit_id": unit,
                    "name": "pay",
                    "value": value,
                    "timestamp": (start + timedelta(hours=1)).isoformat(),
                    "properties": {"channel": channel},
                }
            )
        expected[variant].append(float(i))
    assert _api(client, "post", "/events", key, events).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        r = _api(client, "post", f"/experiments/{experiment.pk}/refresh", key)
    assert r.status_code == 202, r.content
    results = _api(client, "get", f"/experiments/{experiment.pk}/results", key).json()
    assert results["ok"], results["error"]
    row = results["payload"]["metrics"]["online-pay"]["variants"][0]
    control = expected["control"]
    assert row["mean_control"] == pytest.approx(sum(control) / len(control))


@pytest.mark.django_db
def test_a_stored_metric_the_language_refuses_is_refused_at_refresh_with_422(
    world, client, event_store_dir
):
    from civicloop.experiments.tests import factories

    key = world.api_key()
    actor = world.principal("staff")
    metric = factories.metric(actor, world.unit, key="paid")
    svc = factories.service(actor, world.unit, world.agency)
    experiment = factories.ab_experiment(
        actor, factories.iteration(actor, svc), [(metric, "primary", None)]
    )
    # A metric stored before the language existed (written past the service's check).
    Metric.objects.filter(pk=metric.pk).update(
        event_name="", custom_sql="SELECT unit_id, ts, 1 AS value FROM read_text('/etc/passwd')"
    )
    r = _api(client, "post", f"/experiments/{experiment.pk}/refresh", key)
    assert r.status_code == 422, r.content
    assert "function read_text is not allowed" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "custom_sql"
    # The worker's path (scheduled refreshes) records the same refusal instead of crashing.
    from civicloop.experiments import services as experiment_services

    snapshot = experiment_services.experiment_refresh(experiment=experiment)
    assert not snapshot.ok
    assert "function read_text is not allowed" in snapshot.error


@pytest.fixture
def event_store_dir(settings, tmp_path):
    from civicloop.analytics import services as analytics_services

    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    yield tmp_path / "events"
    analytics_services.event_store_close()
