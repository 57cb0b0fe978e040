"""The custom-metric language: what analysts may write, what it computes, what it refuses.

The documented examples (docs/analytics/custom-metrics.md) run on the event store and are
checked against a pure-Python computation on the same events.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest

from civicloop.analytics.engine import (
    EventStore,
    MetricDefinition,
    compile_metric_sql,
    straightforward_statistics,
)
from civicloop.analytics.metric_language import MetricLanguageError, check_custom_sql
from civicloop.analytics.tests._data import START, _ts, as_tuples, assert_close
from civicloop.analytics.tests._data import reference_statistics as reference

ONLINE_PAYMENTS = (
    "SELECT unit_id, ts, value FROM events\n"
    "WHERE name = 'pay' AND properties ->> '$.channel' = 'online'"
)
NO_CALL_FIRST = """
SELECT a.unit_id, a.ts, 1 AS value
FROM events AS a
WHERE a.name = 'application_completed'
  AND NOT EXISTS (SELECT 1 FROM events AS c
                  WHERE c.unit_id = a.unit_id AND c.name = 'helpline_call' AND c.ts < a.ts)
"""
DAYS_TO_DECISION = """
WITH starts AS (SELECT unit_id, MIN(ts) AS started FROM events
                WHERE name = 'application_started' GROUP BY unit_id)
SELECT d.unit_id, d.ts,
       least(90, extract(epoch FROM d.ts - s.started) / 86400.0) AS value
FROM events AS d JOIN starts AS s ON s.unit_id = d.unit_id
WHERE d.name = 'decision_issued'
"""


def _events() -> list[dict]:
    rng = random.Random(11)
    events: list[dict] = []

    def add(unit, name, ts, value=None, properties=None):
        event = {"event_id": str(uuid.uuid4()), "unit_id": unit, "name": name}
        event["timestamp"] = ts.isoformat()
        if value is not None:
            event["value"] = value
        if properties is not None:
            event["properties"] = properties
        events.append(event)

    for i in range(60):
        unit = f"u{i}"
        t0 = START + timedelta(hours=rng.randrange(0, 200))
        add(unit, "$exposure", t0, properties={"experiment": "exp", "variant": rng.choice("ab")})
        for _ in range(rng.randrange(0, 4)):
            channel = rng.choice(["online", "counter"])
            when = t0 + timedelta(hours=rng.randrange(-30, 300))
            add(unit, "pay", when, round(rng.uniform(1, 90), 2), {"channel": channel})
        started = t0 + timedelta(hours=rng.randrange(0, 48))
        if rng.random() < 0.8:
            add(unit, "application_started", started)
        if rng.random() < 0.4:
            add(unit, "helpline_call", started + timedelta(hours=rng.randrange(1, 100)))
        if rng.random() < 0.7:
            add(unit, "application_completed", started + timedelta(hours=rng.randrange(1, 100)))
        if rng.random() < 0.7:
            add(unit, "decision_issued", started + timedelta(days=rng.randrange(1, 140)))
    return events


@pytest.fixture(scope="module")
def events():
    return _events()


@pytest.fixture(scope="module")
def store(events, tmp_path_factory):
    store = EventStore(tmp_path_factory.mktemp("language"))
    assert not store.accept(events).rejected
    store.flush()
    yield store
    store.close()


def _renamed(events, keep) -> list[dict]:
    """The events with those ``keep`` selects renamed to 'x' (with the value it returns)."""
    out = []
    for e in events:
        value = keep(e)
        if value is None:
            out.append(e)
        else:
            out.append({**e, "name": "x", "value": value})
    return out


def _check(store, events, sql, aggregation, keep):
    custom = MetricDefinition(key="m", aggregation=aggregation, custom_sql=sql)
    plain = MetricDefinition(key="m", aggregation=aggregation, event_name="x")
    got = straightforward_statistics(store, "exp", [custom])
    expected = reference(_renamed(events, keep), plain, "exp")
    assert expected, "the example selects something"
    assert_close(as_tuples({v: m["m"] for v, m in got.items()}), expected)


def test_online_payments_example(store, events):
    def keep(e):
        online = (e.get("properties") or {}).get("channel") == "online"
        return e["value"] if e["name"] == "pay" and online else None

    _check(store, events, ONLINE_PAYMENTS, "sum", keep)


def test_completed_without_a_call_first_example(store, events):
    calls: dict[str, Any] = {}
    for e in events:
        if e["name"] == "helpline_call":
            calls.setdefault(e["unit_id"], []).append(_ts(e))

    def keep(e):
        if e["name"] != "application_completed":
            return None
        return None if any(t < _ts(e) for t in calls.get(e["unit_id"], [])) else 1.0

    _check(store, events, NO_CALL_FIRST, "any", keep)


def test_days_to_decision_example(store, events):
    starts: dict[str, Any] = {}
    for e in events:
        if e["name"] == "application_started":
            starts[e["unit_id"]] = min(starts.get(e["unit_id"], _ts(e)), _ts(e))

    def keep(e):
        if e["name"] != "decision_issued" or e["unit_id"] not in starts:
            return None
        return min(90.0, (_ts(e) - starts[e["unit_id"]]).total_seconds() / 86400.0)

    _check(store, events, DAYS_TO_DECISION, "mean", keep)


def test_the_former_relation_name_all_events_still_works(store, events):
    old = ONLINE_PAYMENTS.replace("FROM events", "FROM all_events")
    custom = MetricDefinition(key="m", aggregation="sum", custom_sql=old)
    new = MetricDefinition(key="m", aggregation="sum", custom_sql=ONLINE_PAYMENTS)
    # The same query over the same rows; DuckDB may sum in another order (parallel scans), so
    # the sums agree to rounding, not bit for bit.
    old_stats = straightforward_statistics(store, "exp", [custom])
    new_stats = straightforward_statistics(store, "exp", [new])
    assert old_stats.keys() == new_stats.keys()
    for variant, by_metric in new_stats.items():
        for key, stats in by_metric.items():
            before, after = asdict(old_stats[variant][key]), asdict(stats)
            assert before.pop("variant") == after.pop("variant")
            assert before == pytest.approx(after, rel=1e-12)


@pytest.mark.parametrize("dialect", ["postgres", "spark", "trino", "bigquery"])
def test_custom_metrics_compile_for_every_warehouse(dialect):
    for sql in (ONLINE_PAYMENTS, NO_CALL_FIRST, DAYS_TO_DECISION):
        metric = MetricDefinition(key="m", aggregation="mean", custom_sql=sql)
        out = compile_metric_sql(metric, "exp", dialect, events_table="analytics.events")
        assert "analytics.events" in out
        # Every reference is rebound (NO_CALL_FIRST names events twice), none left bare (the
        # relation keeps `events` only as its alias: `analytics.events AS events`).
        assert re.search(r"(?<![\w.`\"])(?<!AS )events\b", out) is None, out
        assert ";" not in out


def test_events_is_bound_to_the_given_relation_and_nothing_else():
    checked = check_custom_sql("SELECT e.unit_id, e.ts FROM events e WHERE e.name = 'a'")
    assert checked.sql("events_upto") == (
        "SELECT e.unit_id, e.ts FROM events_upto AS e WHERE e.name = 'a'"
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT unit_id, ts, length(name) AS value FROM events", "function length is not"),
        ("SELECT unit_id, ts, value FROM events UNION SELECT 1, 2, 3", "UNION is not allowed"),
        ("SELECT unit_id, ts, sum(value) OVER () AS value FROM events", "WINDOW is not allowed"),
        ("SELECT * FROM events", "instead of SELECT *"),
        ("SELECT unit_id, value FROM events", "column named ts"),
        ("SELECT unit_id, ts, CAST(value AS VARCHAR) AS value FROM events", "CAST to"),
        ("SELECT unit_id, ts, secret AS value FROM events", "column 'secret'"),
        ("SELECT unit_id, ts, value FROM events WHERE ts > ?", "PLACEHOLDER"),
        ("WITH RECURSIVE r AS (SELECT 1) SELECT unit_id, ts FROM events", "RECURSIVE"),
        ("WITH events AS (SELECT 1) SELECT unit_id, ts FROM events", "reserved"),
        ("SELECT unit_id, ts FROM events WHERE", "does not parse"),
        ("SELECT unit_id, ts, date_trunc('d; x', ts) AS value FROM events", "time unit"),
        ("SELECT unit_id, ts FROM main.events", "DB in TABLE"),
        ("SELECT a.unit_id, a.ts FROM " + ", ".join(["events"] * 7), "at most 6"),
        # a CTE name is visible only inside its WITH, never a table of the store
        (
            "SELECT unit_id, ts FROM (WITH writer_state AS (SELECT * FROM events) "
            "SELECT 1 AS n) AS s, writer_state",
            "relation 'writer_state'",
        ),
    ],
)
def test_constructs_outside_the_language_are_refused_by_name(sql, message):
    with pytest.raises(MetricLanguageError, match=message):
        check_custom_sql(sql)


def test_sum_mean_and_percentile_metrics_need_a_value_column():
    sql = "SELECT unit_id, ts FROM events WHERE name = 'pay'"
    assert MetricDefinition(key="m", aggregation="count", custom_sql=sql)
    with pytest.raises(ValueError, match="needs the SELECT to return a column named value"):
        MetricDefinition(key="m", aggregation="sum", custom_sql=sql)


def test_very_long_or_deeply_nested_queries_are_refused_not_crashing():
    with pytest.raises(MetricLanguageError, match="longer than"):
        check_custom_sql("SELECT unit_id, ts FROM events WHERE " + "1 = 1 AND " * 3000 + "true")
    with pytest.raises(MetricLanguageError, match="nested too deeply|does not parse"):
        check_custom_sql("SELECT unit_id, ts, " + "(" * 500 + "1" + ")" * 500 + " FROM events")
