"""Demo data for the analytics app: the unit's metrics and a simulated service's events.

The simulated licence-renewal service assigns each shopkeeper with the SDK (``assign``), logs
an exposure, and logs renewals, online renewals and helpline calls. The SMS reminder has a real
effect (+8 points of renewals within 7 days); helpline calls are unchanged.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from civicloop.analytics import services
from civicloop.analytics.assignment import ExperimentConfig, Variant, assign
from civicloop.core.permissions import principal_for_person

SMS_EXPERIMENT: dict[str, Any] = {
    "key": "licence-sms-reminder",
    "variants": [{"key": "control", "weight": 1}, {"key": "sms", "weight": 1}],
    "days": 14,
    "units": 12000,
}


def _metrics(actor, unit) -> dict:
    m = {}
    m["renewed_7d"] = services.metric_create(
        actor=actor,
        unit=unit,
        key="renewed-7d",
        name="Licence renewed within 7 days",
        aggregation="any",
        event_name="licence_renewed",
        window_hours=168,
        pre_window_hours=24 * 400,
        unit_label="share",
        description="1 when the shopkeeper renews within 7 days of first seeing the service.",
    )
    m["renewed_online"] = services.metric_create(
        actor=actor,
        unit=unit,
        key="renewed-online",
        name="Renewed online",
        aggregation="any",
        event_name="licence_renewed_online",
        window_hours=168,
        unit_label="share",
    )
    m["helpline_calls"] = services.metric_create(
        actor=actor,
        unit=unit,
        key="helpline-calls",
        name="Helpline calls per shopkeeper",
        aggregation="count",
        event_name="helpline_call",
        window_hours=168,
        higher_is_better=False,
        unit_label="calls",
    )
    m["online_take_up"] = services.metric_create(
        actor=actor,
        unit=unit,
        key="online-take-up-weekly",
        name="Weekly online take-up",
        source="sites",
        unit_label="%",
        description="Share of renewals made online each week (from the licensing system).",
    )
    m["decision_days"] = services.metric_create(
        actor=actor,
        unit=unit,
        key="housing-decision-days",
        name="Median days to decision",
        source="sites",
        higher_is_better=False,
        unit_label="days",
        description="Median days from complete application to decision, per office and week.",
    )
    return m


def simulate_sms_service(*, now: datetime, seed: int = 2026) -> list[dict]:
    """Events of the licence-renewal service during the SMS experiment (deterministic)."""
    rng = random.Random(seed)
    config = ExperimentConfig(
        key=SMS_EXPERIMENT["key"],
        variants=tuple(Variant(v["key"], v["weight"]) for v in SMS_EXPERIMENT["variants"]),
    )
    start = now - timedelta(days=SMS_EXPERIMENT["days"])
    span = timedelta(days=SMS_EXPERIMENT["days"]).total_seconds()
    events: list[dict] = []

    def add(unit: str, name: str, ts: datetime, **extra) -> None:
        if ts < now:
            events.append(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "unit_id": unit,
                    "name": name,
                    "timestamp": ts.isoformat(),
                    **extra,
                }
            )

    for i in range(SMS_EXPERIMENT["units"]):
        unit = f"shop-{i:05d}"
        variant = assign(config, unit).variant  # type: ignore[union-attr]
        seen = start + timedelta(seconds=rng.random() * span)
        add(
            unit,
            "$exposure",
            seen,
            properties={"experiment": SMS_EXPERIMENT["key"], "variant": variant},
        )
        loyal = rng.random() < 0.45  # renewed on time last year
        if loyal:
            add(unit, "licence_renewed", seen - timedelta(days=365 - rng.randrange(0, 20)))
        rate = 0.26 + (0.16 if loyal else 0.0) + (0.08 if variant == "sms" else 0.0)
        if rng.random() < rate:
            when = seen + timedelta(hours=rng.uniform(1, 160))
            add(unit, "licence_renewed", when, value=38.5)
            if rng.random() < (0.55 if variant == "sms" else 0.45):
                add(unit, "licence_renewed_online", when)
        for _ in range(rng.choices([0, 1, 2], weights=[80, 16, 4])[0]):
            add(unit, "helpline_call", seen + timedelta(hours=rng.uniform(0, 160)))
    return events


def load(ctx: dict) -> None:
    """Metrics of the demo unit and about 25,000 events of the simulated service."""
    orgs = ctx["orgs"]
    actor = principal_for_person(orgs.people["staff"])
    ctx["metrics"] = _metrics(actor, orgs.unit)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    events = simulate_sms_service(now=now)
    store = services.event_store(organization_id=orgs.unit.pk)
    accepted = 0
    for first in range(0, len(events), 1000):
        accepted += store.accept(events[first : first + 1000]).accepted
    store.flush()
    ctx["sms_experiment"] = {**SMS_EXPERIMENT, "events": len(events), "accepted": accepted}
