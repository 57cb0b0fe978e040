"""Small synthetic event sets and an independent pure-Python metric computation."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from civicloop.analytics.metrics import MetricDefinition

START = datetime(2026, 3, 1, tzinfo=UTC)


def make_events(seed: int, *, units: int = 40, per_unit: int = 12) -> list[dict]:
    rng = random.Random(seed)
    events: list[dict] = []

    def add(unit: str, name: str, ts: datetime, value=None, properties=None) -> None:
        event = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "unit_id": unit,
            "name": name,
            "timestamp": ts.isoformat(),
        }
        if value is not None:
            event["value"] = value
        if properties is not None:
            event["properties"] = properties
        events.append(event)

    for i in range(units):
        unit = f"u{i}"
        exposure = START + timedelta(hours=rng.randrange(0, 24 * 20), minutes=rng.randrange(60))
        if rng.random() < 0.85:
            variant = rng.choice(["control", "treatment"])
            for _ in range(rng.choice([1, 1, 2])):
                later = exposure + timedelta(hours=rng.randrange(0, 48))
                add(unit, "$exposure", later, properties={"experiment": "exp", "variant": variant})
            add(unit, "$exposure", exposure, properties={"experiment": "exp", "variant": variant})
            if rng.random() < 0.1:  # saw both variants: left out of the analysis
                other = "treatment" if variant == "control" else "control"
                add(
                    unit,
                    "$exposure",
                    exposure + timedelta(hours=5),
                    properties={"experiment": "exp", "variant": other},
                )
        if rng.random() < 0.3:
            add(unit, "$exposure", exposure, properties={"experiment": "other", "variant": "x"})
        for _ in range(rng.randrange(0, per_unit + 1)):
            ts = exposure + timedelta(hours=rng.uniform(-24 * 5, 24 * 8))
            name = rng.choice(["pay", "visit", "visit"])
            value = None
            if name == "pay" and rng.random() < 0.8:
                value = round(rng.uniform(0, 100), 2)
            add(unit, name, ts, value=value)
    rng.shuffle(events)
    return events


METRICS = [
    MetricDefinition(key="visits", aggregation="count", event_name="visit", window_hours=72),
    MetricDefinition(key="spend", aggregation="sum", event_name="pay", pre_window_hours=96),
    MetricDefinition(key="avg_pay", aggregation="mean", event_name="pay", window_hours=24 * 7),
    MetricDefinition(key="paid", aggregation="any", event_name="pay", window_hours=48),
    MetricDefinition(
        key="spend_per_visit",
        aggregation="ratio",
        numerator=MetricDefinition(key="n", aggregation="sum", event_name="pay"),
        denominator=MetricDefinition(key="d", aggregation="count", event_name="visit"),
    ),
]
# Every source has a window: the roll-ups then prune the per-unit table by first exposure time.
WINDOWED_METRICS = [
    MetricDefinition(key="visits", aggregation="count", event_name="visit", window_hours=72),
    MetricDefinition(key="spend_7d", aggregation="sum", event_name="pay", window_hours=24 * 7),
    MetricDefinition(key="paid", aggregation="any", event_name="pay", window_hours=48),
    MetricDefinition(
        key="spend_per_visit",
        aggregation="ratio",
        numerator=MetricDefinition(key="n", aggregation="sum", event_name="pay", window_hours=24),
        denominator=MetricDefinition(
            key="d", aggregation="count", event_name="visit", window_hours=72
        ),
    ),
]
PERCENTILE = MetricDefinition(
    key="p75_pay", aggregation="percentile", event_name="pay", percentile=0.75
)


def _ts(event: dict) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def reference_statistics(events: list[dict], metric: MetricDefinition, experiment: str) -> dict:
    """Per-variant statistics computed row by row in Python, without SQL."""
    seen: dict[str, tuple[datetime, set[str]]] = {}
    for e in events:
        props = e.get("properties") or {}
        if e["name"] == "$exposure" and props.get("experiment") == experiment:
            entry: tuple[datetime | None, set[str]] = seen.get(e["unit_id"], (None, set()))
            first, variants = entry
            ts = _ts(e)
            seen[e["unit_id"]] = (ts if first is None or ts < first else first, variants)
            variants.add(props["variant"])
    exposed = {u: (t0, next(iter(vs))) for u, (t0, vs) in seen.items() if len(vs) == 1}
    by_unit: dict[str, list[dict]] = {}
    for e in events:
        by_unit.setdefault(e["unit_id"], []).append(e)

    def unit_values(m: MetricDefinition, unit: str, t0: datetime) -> tuple:
        mine = [e for e in by_unit.get(unit, []) if e["name"] == m.event_name]
        end = None if m.window_hours is None else t0 + timedelta(hours=m.window_hours)
        inside = [e for e in mine if _ts(e) >= t0 and (end is None or _ts(e) < end)]
        before = [e for e in mine if t0 - timedelta(hours=m.pre_window_hours) <= _ts(e) < t0]

        def agg(rows: list[dict], covariate: bool):
            values = [float(e["value"]) for e in rows if e.get("value") is not None]
            if m.aggregation == "count":
                return float(len(rows))
            if m.aggregation == "sum":
                return float(sum(values))
            if m.aggregation == "any":
                return 1.0 if rows else 0.0
            if m.aggregation == "mean":
                return float(np.mean(values)) if values else (0.0 if covariate else None)
            if m.aggregation == "percentile":
                if not values:
                    return 0.0 if covariate else None
                assert m.percentile is not None
                return float(np.quantile(values, m.percentile, method="linear"))
            raise AssertionError(m.aggregation)

        return agg(inside, False), agg(before, True)

    out: dict[str, dict] = {}
    for unit, (t0, variant) in exposed.items():
        row = out.setdefault(variant, {"n": 0, "s": [0.0] * 5})
        if metric.is_ratio:
            assert metric.numerator is not None and metric.denominator is not None
            a, _ = unit_values(metric.numerator, unit, t0)
            b, _ = unit_values(metric.denominator, unit, t0)
            parts = (a, a * a, b, b * b, a * b)
        else:
            y, x = unit_values(metric, unit, t0)
            if y is None:
                continue
            parts = (y, y * y, x, x * x, x * y)
        row["n"] += 1
        row["s"] = [s + p for s, p in zip(row["s"], parts, strict=True)]
    return {v: (r["n"], *r["s"]) for v, r in out.items() if r["n"] > 0}


def as_tuples(stats: dict) -> dict:
    """{variant: MomentStats|RatioStats} -> {variant: (n, five sums)}."""
    return {
        v: (s.n, *[getattr(s, f) for f in list(s.__dataclass_fields__)[2:]])
        for v, s in stats.items()
    }


def assert_close(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for variant, exp_row in expected.items():
        act_row = actual[variant]
        assert act_row[0] == exp_row[0], (variant, act_row, exp_row)
        assert np.allclose(act_row[1:], exp_row[1:], rtol=1e-9, atol=1e-6), (
            variant,
            act_row,
            exp_row,
        )
