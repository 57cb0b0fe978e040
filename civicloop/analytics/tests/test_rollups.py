"""The roll-up path must equal the reference SQL whatever the order events arrive in."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.analytics.engine import (
    EventStore,
    straightforward_statistics,
    variant_statistics,
)
from civicloop.analytics.tests._data import METRICS, as_tuples, assert_close, make_events


def _flat(stats, key):
    return as_tuples({v: m[key] for v, m in stats.items() if key in m})


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
def test_rollups_equal_reference_after_any_interleaving(
    tmp_path_factory, seed, cuts, register_after, flush_pattern
):
    events = make_events(seed, units=25)
    random.Random(seed).shuffle(events)  # exposures may land after the unit's outcomes
    bounds = sorted({c % len(events) for c in cuts} | {0, len(events)})
    store = EventStore(tmp_path_factory.mktemp("interleave"), max_backlog=10_000)
    try:
        for step, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
            store.accept(events[lo:hi])
            if step == register_after:
                variant_statistics(store, "exp", METRICS)  # registers roll-ups mid-stream
            if flush_pattern[step % len(flush_pattern)]:
                store.flush(max_events=int(37 + seed % 90))
                fast = variant_statistics(store, "exp", METRICS)
                slow = straightforward_statistics(store, "exp", METRICS)
                for metric in METRICS:
                    assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
        store.flush(max_events=50)
        fast = variant_statistics(store, "exp", METRICS)
        slow = straightforward_statistics(store, "exp", METRICS)
        assert slow  # the data has exposed units in both variants
        for metric in METRICS:
            assert_close(_flat(fast, metric.key), _flat(slow, metric.key))
    finally:
        store.close()
