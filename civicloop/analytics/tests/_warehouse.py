"""Load the same events into a PostgreSQL table or a Spark view, and compare statistics."""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict
from datetime import datetime

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "cl_warehouse"
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
SPARK_URL = "spark://local[1]"


def _rows(events: list[dict]) -> list[tuple]:
    return [
        (
            e["event_id"],
            e["unit_id"],
            e["name"],
            datetime.fromisoformat(e["timestamp"]),
            None if e.get("value") is None else float(e["value"]),
            (e.get("properties") or {}).get("experiment"),
            (e.get("properties") or {}).get("variant"),
        )
        for e in events
    ]


def postgres_database() -> str:
    """The helper's own database (created once), as a libpq connection string."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        if not found:
            try:
                conn.execute(f"CREATE DATABASE {PG_DB}")
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # another test process created it first
    return f"host=127.0.0.1 port=5432 user=postgres dbname={PG_DB}"


def postgres_load(
    events: list[dict], others: dict[int, list[dict]] | None = None, *, organization: int = 0
) -> tuple[str, str]:
    """A new schema with an events table holding ``events``: (schema, "schema.events").

    The table has the ``organization`` column `civicloop export events` writes: ``events`` are
    ``organization``'s, ``others`` maps other organisations to theirs (a shared warehouse).
    """
    import psycopg

    schema = "wh_" + secrets.token_hex(6)
    with psycopg.connect(postgres_database(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.events (event_id uuid, unit_id text, name text, "
            "ts timestamptz, value double precision, experiment text, variant text, "
            "properties jsonb, organization integer)"
        )
        with conn.cursor() as cur:
            for org, rows in [(organization, events), *(others or {}).items()]:
                cur.executemany(
                    f"INSERT INTO {schema}.events VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s)",  # noqa: S608
                    [(*row, org) for row in _rows(rows)],
                )
    return schema, f"{schema}.events"


def postgres_drop(schema: str) -> None:
    import psycopg

    with psycopg.connect(postgres_database(), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def spark_load(events: list[dict]) -> str:
    """A temporary view of ``events`` in the local Spark session the warehouse URL names."""
    from pyspark.sql import types as T

    from civicloop.analytics.backends import spark_session

    schema = T.StructType(
        [
            T.StructField("event_id", T.StringType()),
            T.StructField("unit_id", T.StringType()),
            T.StructField("name", T.StringType()),
            T.StructField("ts", T.TimestampType()),
            T.StructField("value", T.DoubleType()),
            T.StructField("experiment", T.StringType()),
            T.StructField("variant", T.StringType()),
        ]
    )
    view = "events_" + secrets.token_hex(4)
    spark_session(SPARK_URL).createDataFrame(_rows(events), schema).createOrReplaceTempView(view)
    return view


def assert_same_statistics(got: dict, expected: dict, rel: float = 1e-9) -> None:
    """Every variant, metric and statistic equal to ``rel`` relative (absolute near zero)."""
    assert sorted(got) == sorted(expected)
    for variant, per_metric in expected.items():
        assert sorted(got[variant]) == sorted(per_metric), variant
        for key, stats in per_metric.items():
            a, b = asdict(got[variant][key]), asdict(stats)
            assert a.keys() == b.keys()
            for name, value in b.items():
                if isinstance(value, float):
                    ok = math.isclose(a[name], value, rel_tol=rel, abs_tol=1e-12)
                    assert ok, f"{variant}/{key}/{name}: {a[name]} != {value}"
                else:
                    assert a[name] == value, f"{variant}/{key}/{name}"
