"""Run the metric SQL on other engines: sqlglot transpilation from the DuckDB reference.

Supported dialect strings: ``duckdb`` (default), ``postgres``, ``spark``, ``trino``,
``bigquery`` (any sqlglot dialect name is passed through). The only construct that differs in
meaning across engines is the per-unit percentile, rewritten here per engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


# -- connections: one warehouse URL, one ``execute(sql) -> rows`` ----------------------------


class WarehouseError(RuntimeError):
    """The warehouse could not be reached or refused the query (the message says which)."""


class WarehouseDriverMissing(WarehouseError):
    """The Python package a warehouse needs is not installed (see the ``warehouse`` extra)."""


SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "sc": "spark",
    "spark": "spark",
    "local": "spark",
    "trino": "trino",
    "bigquery": "bigquery",
}
LABELS = {
    "postgres": "PostgreSQL warehouse",
    "spark": "Spark warehouse",
    "trino": "Trino warehouse",
    "bigquery": "BigQuery warehouse",
}


def _missing(package: str) -> WarehouseDriverMissing:
    """The error for a warehouse whose optional driver is not installed (plain imports below,
    each inside its function, so an installation without them still starts)."""
    return WarehouseDriverMissing(
        f"this warehouse needs the Python package '{package}': "
        f"pip install '{package}' (or civicloop[warehouse])"
    )


def _split(url: str) -> Any:
    from urllib.parse import urlsplit

    return urlsplit(url)


def dialect_for(url: str) -> str:
    """The sqlglot dialect of a warehouse URL; a ValueError names what is accepted."""
    url = url.strip()
    if _local_spark(url):
        return "spark"
    scheme = _split(url).scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            f"unknown warehouse URL scheme '{scheme or url}': use postgresql://, sc:// (Spark "
            "Connect), spark://local[N], trino:// or bigquery://project/dataset"
        )
    return SCHEMES[scheme]


def _local_spark(url: str) -> bool:
    # Checked before urlsplit, which reads "[2]" in spark://local[2] as an IPv6 address.
    return url.removeprefix("spark://").partition("[")[0] == "local"


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for pages, logs and the audit log)."""
    if _local_spark(url):
        return url
    parts = _split(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _postgres(url: str, password: str | None) -> Callable[[str], list[tuple]]:
    try:
        import psycopg
    except ImportError as error:
        raise _missing("psycopg") from error

    def execute(sql: str) -> list[tuple]:
        connection = psycopg.connect(url, password=password) if password else psycopg.connect(url)
        with connection as conn, conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    return execute


def spark_session(url: str) -> Any:
    """The Spark session of ``sc://…`` (Spark Connect), ``spark://local[N]``/``local`` or a
    standalone master ``spark://host:7077``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise _missing("pyspark") from error

    if url.startswith("sc://"):
        return SparkSession.builder.remote(url).getOrCreate()
    # spark://local[N] or local: a session in this process; spark://host:7077: a standalone
    # cluster's master (this process is then the driver).
    master = url.removeprefix("spark://") if _local_spark(url) else url
    return (
        SparkSession.builder.master(master)
        .appName("civicloop")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )


def _spark(url: str) -> Callable[[str], list[tuple]]:
    def execute(sql: str) -> list[tuple]:
        return [tuple(row) for row in spark_session(url).sql(sql).collect()]

    return execute


def _trino(url: str, password: str | None) -> Callable[[str], list[tuple]]:
    try:
        import trino
    except ImportError as error:
        raise _missing("trino") from error
    parts = _split(url)
    catalog, _, schema = parts.path.strip("/").partition("/")
    secret = password or parts.password
    auth = trino.auth.BasicAuthentication(parts.username or "", secret) if secret else None

    def execute(sql: str) -> list[tuple]:
        conn = trino.dbapi.connect(
            host=parts.hostname,
            port=parts.port or (443 if secret else 8080),
            user=parts.username or "civicloop",
            catalog=catalog or None,
            schema=schema or None,
            http_scheme="https" if secret else "http",
            auth=auth,
        )
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return [tuple(row) for row in cur.fetchall()]
        finally:
            conn.close()

    return execute


def _bigquery(url: str) -> Callable[[str], list[tuple]]:
    try:
        from google.cloud import bigquery
    except ImportError as error:
        raise _missing("google-cloud-bigquery") from error
    parts = _split(url)
    project, dataset = parts.netloc, parts.path.strip("/")

    def execute(sql: str) -> list[tuple]:
        # Credentials come from the environment (GOOGLE_APPLICATION_CREDENTIALS), never the URL.
        client = bigquery.Client(project=project)
        config = bigquery.QueryJobConfig(
            default_dataset=f"{project}.{dataset}" if dataset else None
        )
        return [tuple(row.values()) for row in client.query(sql, job_config=config).result()]

    return execute


def connect(url: str, *, password: str | None = None) -> Callable[[str], list[tuple]]:
    """``execute(sql) -> rows`` for a warehouse URL; drivers are imported only here.

    ``password`` (read by the caller from a named secret) overrides any password in the URL.
    """
    dialect = dialect_for(url)
    if dialect == "postgres":
        return _postgres(url, password)
    if dialect == "spark":
        return _spark(url)
    if dialect == "trino":
        return _trino(url, password)
    return _bigquery(url)


def warehouse_queries(
    *,
    metrics: Sequence[Any],
    experiment_key: str,
    dialect: str,
    events_table: str,
    organization_id: int | None = None,
) -> list[dict[str, str]]:
    """The SQL each metric sends to the warehouse: ``[{"metric": key, "sql": …}]``.

    With ``organization_id`` (a warehouse the installation's units share) each query reads
    that organisation's rows only.
    """
    from civicloop.analytics.metrics import compile_metric_sql

    queries = []
    for metric in metrics:
        try:
            sql = compile_metric_sql(metric, experiment_key, dialect, events_table=events_table)
        except NotImplementedError as error:  # e.g. a percentile on Trino or BigQuery
            raise WarehouseError(f"metric '{metric.key}': {error}") from error
        if organization_id is not None:
            sql = scoped_to_organization(
                sql, dialect=dialect, events_table=events_table, organization_id=organization_id
            )
        queries.append({"metric": metric.key, "sql": sql})
    return queries


_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}")


def events_table_check(name: str) -> str:
    """A table name goes into SQL as written: only ``[catalog.][schema.]table`` identifiers."""
    if not _TABLE.fullmatch(name or ""):
        raise ValueError(
            f"events table '{name}': use letters, digits and underscores, "
            "as table, schema.table or catalog.schema.table"
        )
    return name


def scoped_to_organization(
    sql: str, *, dialect: str, events_table: str, organization_id: int
) -> str:
    """``sql`` reading only one organisation's rows of a warehouse table several share.

    Every reference to ``events_table`` becomes ``(SELECT * FROM events_table WHERE
    organization = <id>)`` under the same alias: the shape `civicloop export events` writes
    (an ``organization`` column), so experiment keys, unique only within a unit, never mix
    two units' events.
    """
    tree = sqlglot.parse_one(sql, read=dialect)
    wanted = exp.to_table(events_table)
    key = (wanted.catalog.lower(), wanted.db.lower(), wanted.name.lower())
    for table in list(tree.find_all(exp.Table)):
        if (table.catalog.lower(), table.db.lower(), table.name.lower()) != key:
            continue
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(wanted.name))
        only = (
            exp.select("*")
            .from_(wanted.copy())
            .where(exp.column("organization").eq(exp.Literal.number(int(organization_id))))
        )
        table.replace(exp.Subquery(this=only, alias=alias))
    return tree.sql(dialect=dialect)


@dataclass(frozen=True)
class Warehouse:
    """A resolved warehouse: URL (as configured), events table, and the secret's name.

    ``organization_id`` is set when the warehouse is shared by the installation's units: every
    query then reads that organisation's rows only (`scoped_to_organization`).
    """

    url: str
    events_table: str
    password_secret: str = ""
    organization_id: int | None = None

    @property
    def dialect(self) -> str:
        return dialect_for(self.url)

    @property
    def label(self) -> str:
        """What the results page shows: engine and URL, never a password."""
        return f"{LABELS[self.dialect]} {redact(self.url)}"

    def execute(self, sql: str) -> list[tuple]:
        password = None
        if self.password_secret:
            password = os.environ.get(self.password_secret)
            if password is None:
                raise WarehouseError(
                    f"the warehouse password is read from the environment variable "
                    f"{self.password_secret}, which is not set on this server"
                )
        try:
            return connect(self.url, password=password)(sql)
        except WarehouseError:
            raise
        except Exception as error:  # any driver's error: the refresh records the reason
            reason = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
            raise WarehouseError(f"{LABELS[self.dialect]} refused the query: {reason}") from error


def warehouse_variant_statistics(
    warehouse: Warehouse, experiment_key: str, metrics: Sequence[Any]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    """Per-variant statistics computed in the warehouse, and the SQL sent there per metric."""
    from civicloop.analytics.metrics import stats_from_rows

    queries = warehouse_queries(
        metrics=metrics,
        experiment_key=experiment_key,
        dialect=warehouse.dialect,
        events_table=events_table_check(warehouse.events_table),
        organization_id=warehouse.organization_id,
    )
    out: dict[str, dict[str, Any]] = {}
    for metric, query in zip(metrics, queries, strict=True):
        for variant, stats in stats_from_rows(metric, warehouse.execute(query["sql"])).items():
            out.setdefault(variant, {})[metric.key] = stats
    return out, queries
