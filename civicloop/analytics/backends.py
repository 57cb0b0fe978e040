"""Run the metric SQL on other engines: sqlglot transpilation from the DuckDB reference.

Supported dialect strings: ``duckdb`` (default), ``postgres``, ``spark``, ``trino``,
``bigquery`` (any sqlglot dialect name is passed through). The only construct that differs in
meaning across engines is the per-unit percentile, rewritten here per engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

DIALECTS = ("duckdb", "postgres", "spark", "trino", "bigquery")


def _percentile_rewrite(dialect: str) -> Callable[[exp.Expression], exp.Expression]:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Quantile | exp.PercentileCont):
            return node
        if dialect == "spark":
            # Spark's PERCENTILE(col, q) is the exact linear-interpolation quantile.
            value, q = node.this, node.args.get("quantile") or node.expression
            return exp.Anonymous(this="PERCENTILE", expressions=[value, q])
        if dialect in ("trino", "bigquery"):
            raise NotImplementedError(
                f"{dialect} has no exact per-group continuous percentile aggregate; "
                "percentile metrics run on duckdb, postgres and spark"
            )
        return node

    return rewrite


def transpile(sql: str, dialect: str) -> str:
    """Translate DuckDB SQL to ``dialect``."""
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect in ("spark", "trino", "bigquery"):
        tree = tree.transform(_percentile_rewrite(dialect))
    return tree.sql(dialect=dialect)


def run_postgres(conninfo: str, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Execute a query on PostgreSQL with psycopg 3 and return the rows."""
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(sql, params)  # type: ignore[arg-type]
        return list(cur.fetchall())


def warehouse_statistics(
    *,
    metrics: Sequence[Any],
    experiment_key: str,
    dialect: str,
    execute: Callable[[str], list[tuple]],
    events_table: str = "events",
) -> dict[str, dict[str, Any]]:
    """Per-variant statistics computed inside a warehouse: ``execute(sql) -> rows``."""
    from civicloop.analytics.metrics import compile_metric_sql, stats_from_rows

    result: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        sql = compile_metric_sql(metric, experiment_key, dialect, events_table=events_table)
        for variant, stats in stats_from_rows(metric, execute(sql)).items():
            result.setdefault(variant, {})[metric.key] = stats
    return result
