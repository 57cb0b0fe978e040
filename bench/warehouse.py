"""Benchmark of the warehouse path (issue 13 item 8). Prints its figures; asserts equality only.

    .venv/bin/python bench/warehouse.py --events 2000000 --units 200000 [--spark]

1. history: N events over U units generated in DuckDB and bulk-loaded into an embedded store;
   the experiment's 4 metrics computed there (roll-up path);
2. ``export events``: the store written as Hive-partitioned Parquet (one unit);
3. PostgreSQL (127.0.0.1:5432, database cl_warehouse): the export loaded into a table with COPY,
   then the same metrics computed there through the warehouse path; results compared;
4. with --spark: a local Spark session (local[2]) reads the export and computes the same.
Run it on an otherwise idle machine; the figures in docs/operations.md say what load was seen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analytics import METRICS, compare, history_sql  # noqa: E402

from civicloop.analytics.backends import Warehouse, warehouse_variant_statistics  # noqa: E402
from civicloop.analytics.engine import EventStore, variant_statistics  # noqa: E402
from civicloop.analytics.export import events_export_store  # noqa: E402

PG_DB = "host=127.0.0.1 port=5432 user=postgres dbname=cl_warehouse"


def timed(fn, *args, **kw):
    start = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--spark", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cl-wh-bench-"))
    print(f"work dir {work}; load average {os.getloadavg()}")
    store = EventStore(work / "store")
    variant_statistics(store, "bench", METRICS)
    loaded, load_s = timed(store.bulk_load_trusted, history_sql(args.events, args.units))
    print(f"history: {loaded:,} events over {args.units:,} units in {load_s:.1f} s")
    embedded, embedded_s = timed(variant_statistics, store, "bench", METRICS)
    print(f"embedded store, roll-up path: {embedded_s:.3f} s ({len(METRICS)} metrics)")

    result, export_s = timed(
        events_export_store, store, organization_id=1, destination=work / "lake"
    )
    print(
        f"export events: {result.rows:,} events, {result.days} days in {export_s:.1f} s "
        f"= {result.rows / export_s:,.0f} events/s"
    )

    import duckdb
    import psycopg

    from civicloop.analytics.tests._warehouse import postgres_database

    postgres_database()
    csv = work / "events.csv"
    duckdb.sql(
        f"COPY (SELECT event_id, unit_id, name, ts, value, experiment, variant FROM "
        f"read_parquet('{work}/lake/**/*.parquet', hive_partitioning = true)) TO '{csv}' "
        "(HEADER false)"
    )
    with psycopg.connect(PG_DB, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_events")
        conn.execute(
            "CREATE TABLE bench_events (event_id uuid, unit_id text, name text, ts timestamptz, "
            "value double precision, experiment text, variant text)"
        )
        start = time.perf_counter()
        with conn.cursor().copy("COPY bench_events FROM STDIN (FORMAT csv)") as copy:
            with csv.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        conn.execute("ANALYZE bench_events")
        print(f"PostgreSQL COPY of the export: {time.perf_counter() - start:.1f} s")
    warehouse = Warehouse("postgresql://postgres@127.0.0.1:5432/cl_warehouse", "bench_events")
    (pg, _), pg_s = timed(warehouse_variant_statistics, warehouse, "bench", METRICS)
    print(
        f"PostgreSQL warehouse: {pg_s:.2f} s; "
        f"largest relative difference {compare(pg, embedded):.1e}"
    )
    with psycopg.connect(PG_DB, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_events")

    if args.spark:
        from civicloop.analytics.backends import spark_session

        spark = spark_session("spark://local[2]")
        start = time.perf_counter()
        spark.read.parquet(str(work / "lake")).createOrReplaceTempView("bench_events")
        spark_wh = Warehouse("spark://local[2]", "bench_events")
        sp, _ = warehouse_variant_statistics(spark_wh, "bench", METRICS)
        spark_s = time.perf_counter() - start
        print(
            f"Spark local[2] on the export: {spark_s:.2f} s; largest relative difference "
            f"{compare(sp, embedded):.1e}"
        )
        spark.stop()
    store.close()


if __name__ == "__main__":
    main()
