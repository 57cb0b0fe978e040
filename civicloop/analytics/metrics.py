# SQL is generated here by design: identifiers are internal, literals go through _lit/params.
# ruff: noqa: S608
"""Declarative metric definitions compiled to one SQL query of per-variant sufficient statistics.

The query is written once in DuckDB SQL (the embedded default) and transpiled by sqlglot to any
other dialect (see ``civicloop.analytics.backends``). It reads one table of events with columns
``unit_id, name, ts, value, experiment, variant`` (the layout of ``EventStore`` and of the
warehouse table described in docs/analytics/warehouse.md) and returns one row per variant.

Per-unit semantics (both the reference SQL and the roll-ups follow them):

* a unit belongs to a variant when all its ``$exposure`` events for the experiment name the same
  variant (units exposed to two variants are left out); its *first exposure* is the earliest one;
* the metric window is ``[first_exposure, first_exposure + window_hours)`` (no end when
  ``window_hours`` is None); the covariate window is
  ``[first_exposure - pre_window_hours, first_exposure)``;
* ``count``: events in the window; ``sum``: sum of their values (0 when none); ``any``: 1 when the
  unit has at least one event in the window, else 0; ``mean``: mean of their non-null values
  (units with none are left out of ``n``; covariate 0 when the pre-window has none);
  ``percentile``: the unit's ``percentile`` quantile (continuous) of its values in the window;
  ``ratio``: numerator and denominator (count/sum/any metrics) per unit, summed per variant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, cast

from sqlglot import exp

from civicloop.analytics.metric_language import CheckedQuery, MetricLanguageError, check_custom_sql
from civicloop.analytics.metric_language import translated as _

Aggregation = Literal["count", "sum", "mean", "any", "percentile", "ratio"]
EXPOSURE_EVENT = "$exposure"
_KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class MetricDefinition:
    """A metric, reusable across experiments."""

    key: str
    aggregation: Aggregation
    event_name: str | None = None
    window_hours: int | None = None
    pre_window_hours: int = 168
    percentile: float | None = None
    numerator: MetricDefinition | None = None
    denominator: MetricDefinition | None = None
    custom_sql: str | None = field(default=None, compare=True)

    def __post_init__(self) -> None:
        if not _KEY_RE.match(self.key):
            raise ValueError("key must be 1-64 letters, digits, '_', '-' or '.'")
        if self.aggregation not in ("count", "sum", "mean", "any", "percentile", "ratio"):
            raise ValueError(f"aggregation {self.aggregation!r} is not supported")
        if self.window_hours is not None and self.window_hours <= 0:
            raise ValueError("window_hours must be positive or None")
        if self.pre_window_hours < 0:
            raise ValueError("pre_window_hours must not be negative")
        if self.aggregation == "ratio":
            if self.numerator is None or self.denominator is None:
                raise ValueError("a ratio metric needs a numerator and a denominator")
            for part in (self.numerator, self.denominator):
                if part.aggregation not in ("count", "sum", "any"):
                    raise ValueError("ratio numerator/denominator must be count, sum or any")
            return
        if (self.event_name is None) == (self.custom_sql is None):
            raise ValueError("give exactly one of event_name or custom_sql")
        if self.aggregation == "percentile" and not (
            self.percentile is not None and 0 < self.percentile < 1
        ):
            raise ValueError("percentile must be strictly between 0 and 1")
        if self.custom_sql is not None:
            _check_custom_sql(self.custom_sql, self.aggregation)

    @classmethod
    def days(cls, key: str, aggregation: Aggregation, event_name: str, days: int, **kw):
        """Shorthand for a window of whole days after first exposure."""
        return cls(
            key=key, aggregation=aggregation, event_name=event_name, window_hours=24 * days, **kw
        )

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == "ratio"


@dataclass(frozen=True)
class MomentStats:
    """Per-variant moments of the per-unit metric ``y`` and its pre-exposure covariate ``x``."""

    variant: str
    n: int
    sum: float
    sum_sq: float
    sum_x: float
    sum_x2: float
    sum_xy: float


@dataclass(frozen=True)
class RatioStats:
    """Per-variant sums for a ratio metric (delta method): numerator ``a``, denominator ``b``."""

    variant: str
    n: int
    num_sum: float
    num_sum_sq: float
    den_sum: float
    den_sum_sq: float
    num_den_sum: float


def _check_custom_sql(sql: str, aggregation: str) -> CheckedQuery:
    """The metric language's checked query (raises MetricLanguageError naming the refusal)."""
    checked = check_custom_sql(sql)
    if aggregation in ("sum", "mean", "percentile") and "value" not in checked.columns:
        raise MetricLanguageError(
            _("a %(aggregation)s metric needs the SELECT to return a column named value")
            % {"aggregation": aggregation}
        )
    return checked


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="duckdb")


def _windows(metric: MetricDefinition, alias: str) -> tuple[str, str]:
    main = f"{alias}.ts >= x.first_ts"
    if metric.window_hours is not None:
        main += f" AND {alias}.ts < x.first_ts + INTERVAL {int(metric.window_hours)} HOUR"
    pre = (
        f"{alias}.ts < x.first_ts AND "
        f"{alias}.ts >= x.first_ts - INTERVAL {int(metric.pre_window_hours)} HOUR"
    )
    return main, pre


def _unit_value(metric: MetricDefinition, condition: str, alias: str, *, covariate: bool) -> str:
    agg = metric.aggregation
    if agg == "count":
        body = f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"
    elif agg == "sum":
        body = f"COALESCE(SUM(CASE WHEN {condition} THEN {alias}.value END), 0)"
    elif agg == "any":
        body = f"MAX(CASE WHEN {condition} THEN 1 ELSE 0 END)"
    elif agg == "mean":
        body = f"AVG(CASE WHEN {condition} THEN {alias}.value END)"
        if covariate:
            body = f"COALESCE({body}, 0)"
    elif agg == "percentile":
        body = f"QUANTILE_CONT(CASE WHEN {condition} THEN {alias}.value END, {metric.percentile!r})"
        if covariate:
            body = f"COALESCE({body}, 0)"
    else:  # pragma: no cover - ratio handled by the caller
        raise ValueError(agg)
    return f"CAST({body} AS DOUBLE)"


def _source_sql(metric: MetricDefinition, events_table: str) -> str:
    if metric.custom_sql is not None:
        # Re-emitted from the checked tree: the analyst's string itself never runs.
        return _check_custom_sql(metric.custom_sql, metric.aggregation).sql(events_table)
    # __post_init__ requires exactly one of event_name and custom_sql.
    event_name = cast(str, metric.event_name)
    return f"SELECT unit_id, ts, value FROM {events_table} WHERE name = {_lit(event_name)}"


def _exposure_sql(experiment_key: str, events_table: str) -> str:
    return (
        "SELECT unit_id, MIN(variant) AS variant, MIN(ts) AS first_ts "
        f"FROM {events_table} WHERE name = {_lit(EXPOSURE_EVENT)} "
        f"AND experiment = {_lit(experiment_key)} "
        "GROUP BY unit_id HAVING MIN(variant) = MAX(variant)"
    )


def _per_unit_sql(metric: MetricDefinition, source_cte: str) -> str:
    main, pre = _windows(metric, "s")
    y = _unit_value(metric, main, "s", covariate=False)
    x = _unit_value(metric, pre, "s", covariate=True)
    return (
        f"SELECT x.unit_id, x.variant, {y} AS y, {x} AS x "
        f"FROM exposure AS x LEFT JOIN {source_cte} AS s ON s.unit_id = x.unit_id "
        "GROUP BY x.unit_id, x.variant"
    )


def compile_metric_duckdb(
    metric: MetricDefinition, experiment_key: str, *, events_table: str = "events"
) -> str:
    """The reference query in DuckDB SQL (see module docstring for the semantics)."""
    ctes = [f"exposure AS ({_exposure_sql(experiment_key, events_table)})"]
    if metric.is_ratio:
        assert metric.numerator is not None
        assert metric.denominator is not None
        for i, part in enumerate((metric.numerator, metric.denominator)):
            ctes.append(f"src_{i} AS ({_source_sql(part, events_table)})")
            ctes.append(f"unit_{i} AS ({_per_unit_sql(part, f'src_{i}')})")
        body = (
            "SELECT u0.variant AS variant, COUNT(*) AS n, "
            "SUM(u0.y) AS num_sum, SUM(u0.y * u0.y) AS num_sum_sq, "
            "SUM(u1.y) AS den_sum, SUM(u1.y * u1.y) AS den_sum_sq, "
            "SUM(u0.y * u1.y) AS num_den_sum "
            "FROM unit_0 AS u0 JOIN unit_1 AS u1 ON u0.unit_id = u1.unit_id "
            "GROUP BY u0.variant ORDER BY u0.variant"
        )
    else:
        ctes.append(f"src_0 AS ({_source_sql(metric, events_table)})")
        ctes.append(f"unit_0 AS ({_per_unit_sql(metric, 'src_0')})")
        body = (
            "SELECT variant, COUNT(*) AS n, SUM(y) AS sum, SUM(y * y) AS sum_sq, "
            "SUM(x) AS sum_x, SUM(x * x) AS sum_x2, SUM(x * y) AS sum_xy "
            "FROM unit_0 WHERE y IS NOT NULL GROUP BY variant ORDER BY variant"
        )
    return "WITH " + ", ".join(ctes) + " " + body


def compile_metric_sql(
    metric: MetricDefinition,
    experiment_key: str,
    dialect: str = "duckdb",
    *,
    events_table: str = "events",
) -> str:
    """One SQL query returning per-variant sufficient statistics, in ``dialect``."""
    from civicloop.analytics.backends import transpile

    return transpile(
        compile_metric_duckdb(metric, experiment_key, events_table=events_table), dialect
    )


def stats_from_rows(
    metric: MetricDefinition, rows: list[tuple]
) -> dict[str, MomentStats | RatioStats]:
    """Turn the rows of the compiled query (any engine) into dataclasses keyed by variant."""
    out: dict[str, MomentStats | RatioStats] = {}
    cls = RatioStats if metric.is_ratio else MomentStats
    for row in rows:
        variant, n, *sums = row
        out[str(variant)] = cls(str(variant), int(n), *(float(v or 0.0) for v in sums))
    return out
