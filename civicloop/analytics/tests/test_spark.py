"""The transpiled metric SQL gives the same answer on Spark (local mode) as pure Python."""

import pytest

from civicloop.analytics.engine import MetricDefinition, compile_metric_sql
from civicloop.analytics.metrics import stats_from_rows
from civicloop.analytics.tests._data import (
    as_tuples,
    assert_close,
    make_events,
    reference_statistics,
)


@pytest.mark.slow
def test_spark_sql_equals_python_for_a_windowed_sum_with_covariate():
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    events = make_events(21, units=40)
    metric = MetricDefinition(
        key="spend", aggregation="sum", event_name="pay", window_hours=96, pre_window_hours=72
    )
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("civicloop-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        from datetime import datetime

        schema = T.StructType(
            [
                T.StructField("unit_id", T.StringType()),
                T.StructField("name", T.StringType()),
                T.StructField("ts", T.TimestampType()),
                T.StructField("value", T.DoubleType()),
                T.StructField("experiment", T.StringType()),
                T.StructField("variant", T.StringType()),
            ]
        )
        rows = [
            (
                e["unit_id"],
                e["name"],
                datetime.fromisoformat(e["timestamp"]),
                None if e.get("value") is None else float(e["value"]),
                (e.get("properties") or {}).get("experiment"),
                (e.get("properties") or {}).get("variant"),
            )
            for e in events
        ]
        spark.createDataFrame(rows, schema).createOrReplaceTempView("events")
        sql = compile_metric_sql(metric, "exp", "spark")
        got = [tuple(r) for r in spark.sql(sql).collect()]
    finally:
        spark.stop()
    assert_close(
        as_tuples(stats_from_rows(metric, got)), reference_statistics(events, metric, "exp")
    )
