"""The roll-up path must equal the reference SQL whatever the order events arrive in."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.analytics.engine import (
    EventStore,
    MomentStats,
    straightforward_statistics,
    variant_statistics,
)
from civicloop.analytics.tests._data import (
    METRICS,
    WINDOWED_METRICS,
    as_tuples,
    assert_close,
    make_events,
)


def _flat(stats, key):
    return as_tuples({v: m[key] for v, m in stats.items() if key in m})


def _arrival_order(events: list[dict], seed: int, order: str) -> list[dict]:
    """Shuffled, or roughly by time as a live service sends them (a fifth arrive up to 30 h late)."""
    rng = random.Random(seed)
    if order == "shuffled":
        rng.shuffle(events)  # exposures may land after the unit's outcomes
        return events

    def arrival(event: dict) -> datetime:
        late = timedelta(hours=rng.uniform(0, 30)) if rng.random() < 0.2 else timedelta()
        return datetime.fromisoformat(event["timestamp"]) + late

    return [e for _, e in sorted(((arrival(e), i), e) for i, e in enumerate(events))]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    cuts=st.lists(st.integers(1, 400), min_size=1, max_size=5),
    register_after=st.integers(0, 5),
    flush_pattern=st.lists(st.booleans(), min_size=6, max_size=6),
)
@pytest.mark.parametrize(
    ("order", "metrics"),
    [("shuffled", METRICS), ("time_ordered", WINDOWED_METRICS)],
    ids=["shuffled-unbounded-windows", "time-ordered-all-windowed"],
)
def test_rollups_equal_reference_after_any_interleaving(
    tmp_path_factory, order, metrics, seed, cuts, register_after, flush_pattern
):
    events = _arrival_order(make_events(seed, units=25), seed, order)
    bounds = sorted({c % len(events) for c in cuts} | {0, len(events)})
    store = EventStore(tmp_path_factory.mktemp("interleave"), max_backlog=10_000)
    try:
        for step, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
            store.accept(events[lo:hi])
            if step == register_after:
                variant_statistics(store, "exp", metrics)  # registers roll-ups mid-stream
            if flush_pattern[step % len(flush_pattern)]:
                store.flush(max_events=int(37 + seed % 90))
                fast = variant_statistics(store, "exp", metrics)
                slow = straightforward_statistics(store, "exp", metrics)
                for metric in metrics:
                    assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
        store.flush(max_events=50)
        fast = variant_statistics(store, "exp", metrics)
        slow = straightforward_statistics(store, "exp", metrics)
        assert slow  # the data has exposed units in both variants
        for metric in metrics:
            assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
    finally:
        store.close()


def test_backfilled_events_before_a_stored_exposure_reach_the_covariate(tmp_path):
    """A late batch of old events (a backfill) must still land in the pre-exposure window of
    units whose exposure was stored earlier, and in the metric window of units exposed
    before them, even though the table is pruned by first-exposure time."""
    t0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

    def event(unit, name, ts, **extra):
        return {
            "event_id": str(uuid.uuid4()),
            "unit_id": unit,
            "name": name,
            "timestamp": ts.isoformat(),
            **extra,
        }

    def exposure(unit, variant, ts):
        return event(unit, "$exposure", ts, properties={"experiment": "exp", "variant": variant})

    store = EventStore(tmp_path, max_backlog=10_000)
    try:
        store.accept(
            [
                exposure("a", "control", t0),
                exposure("b", "treatment", t0),
                exposure("c", "control", t0 - timedelta(days=20)),
                exposure("d", "treatment", t0 - timedelta(days=20)),
            ]
        )
        store.flush()
        variant_statistics(store, "exp", WINDOWED_METRICS)  # roll-ups exist before the backfill
        store.accept(
            [
                event("a", "pay", t0 - timedelta(hours=10), value=12.5),  # a's pre-window
                event("b", "visit", t0 - timedelta(hours=30)),  # b's pre-window
                event("c", "visit", t0 - timedelta(days=20) + timedelta(hours=3)),  # c's window
                event("d", "pay", t0 - timedelta(days=20) + timedelta(hours=1), value=4.0),
            ]
        )
        store.flush()
        fast = variant_statistics(store, "exp", WINDOWED_METRICS)
        slow = straightforward_statistics(store, "exp", WINDOWED_METRICS)
        for metric in WINDOWED_METRICS:
            assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
        spend = fast["control"]["spend_7d"]
        assert isinstance(spend, MomentStats)
        assert spend.n == 2 and spend.sum_x == 12.5  # a's payment is its covariate
    finally:
        store.close()


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    pieces=st.integers(2, 6),
    resend=st.floats(0.0, 0.3),
    copies=st.floats(0.0, 0.2),
    reopen=st.lists(st.booleans(), min_size=6, max_size=6),
    fail_at=st.integers(0, 8),
)
def test_incremental_equals_full_recompute_with_duplicates_reopens_and_a_failed_batch(
    tmp_path_factory, seed, pieces, resend, copies, reopen, fail_at
):
    """Late and re-sent events (the same id again: dropped; a copy under a new id: counted),
    the writer reopening the store (its in-memory directory rebuilt) and a batch whose
    roll-up update fails and rolls back must leave the roll-ups equal to the reference SQL."""
    from civicloop.analytics.rollups import batch as rollup_batch

    rng = random.Random(seed)
    events = _arrival_order(make_events(seed, units=25), seed, "time_ordered")
    extra = [dict(e) for e in events if rng.random() < resend]  # same event_id: duplicates
    for e in events:
        if rng.random() < copies:  # same content, new id: a second real event
            extra.append({**e, "event_id": str(uuid.UUID(int=rng.getrandbits(128)))})
    stream = events + extra
    rng.shuffle(extra)
    size = max(1, len(stream) // pieces)
    store = EventStore(tmp_path_factory.mktemp("dups"), max_backlog=10_000)
    real_deltas = rollup_batch._deltas_add
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise RuntimeError("injected failure")
        return real_deltas(*args, **kwargs)

    rollup_batch._deltas_add = flaky  # type: ignore[assignment]
    try:
        variant_statistics(store, "exp", WINDOWED_METRICS)  # roll-ups kept from the start
        for step, lo in enumerate(range(0, len(stream), size)):
            store.accept(stream[lo : lo + size])
            try:
                store.flush(max_events=int(29 + seed % 70))
            except RuntimeError:
                store.flush(max_events=int(29 + seed % 70))  # the batch is retried whole
            if reopen[step % len(reopen)]:
                store.release()
        fast = variant_statistics(store, "exp", WINDOWED_METRICS)
        slow = straightforward_statistics(store, "exp", WINDOWED_METRICS)
        assert slow
        for metric in WINDOWED_METRICS:
            assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
    finally:
        rollup_batch._deltas_add = real_deltas  # type: ignore[assignment]
        store.close()
