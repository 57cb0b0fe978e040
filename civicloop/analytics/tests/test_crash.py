"""A writer or an intake killed with SIGKILL at any moment loses and duplicates nothing."""

import json
import os
import random
import signal
import subprocess
import sys
import time

from civicloop.analytics.engine import EventStore, straightforward_statistics, variant_statistics
from civicloop.analytics.tests._data import METRICS, as_tuples, assert_close, make_events

CHILD = r"""
import json, sys
from civicloop.analytics.engine import EventStore, variant_statistics
from civicloop.analytics.tests._data import METRICS
path, batches_file = sys.argv[1], sys.argv[2]
batches = json.load(open(batches_file))
store = EventStore(path, max_backlog=10**9)
variant_statistics(store, "exp", METRICS)
store.accept(batches[0])  # warm up (library initialisation) before the clock starts
print("ready", flush=True)
for i, batch in enumerate(batches):
    store.accept(batch)
    print(i, flush=True)          # acknowledged: the API would now answer 202
    store.flush(max_events=97)    # small writer batches: many commit points to die between
"""


def test_sigkill_at_random_points_then_recovery_keeps_every_acknowledged_event(tmp_path):
    events = make_events(11, units=300)
    batches = [events[i : i + 60] for i in range(0, len(events), 60)]
    batches_file = tmp_path / "batches.json"
    batches_file.write_text(json.dumps(batches))
    path = tmp_path / "store"
    rng = random.Random(5)
    acknowledged: set[int] = set()
    for _ in range(5):
        child = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", CHILD, str(path), str(batches_file)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.1, 4.0))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        acknowledged.update(int(line) for line in out.split())
    assert acknowledged, "the child never got far enough to acknowledge a batch"

    store = EventStore(path, max_backlog=10**9)
    store.flush()
    stored = [
        r[0]
        for r in store._connection().execute("SELECT event_id::VARCHAR FROM all_events").fetchall()
    ]
    assert len(stored) == len(set(stored)), "an event was written twice"
    must_have = {e["event_id"] for i in acknowledged for e in batches[i]}
    assert must_have <= set(stored), "an acknowledged event was lost"
    # Re-sending everything (at-least-once delivery) completes the store without duplicates.
    for batch in batches:
        store.accept(batch)
    store.flush()
    stored = [
        r[0]
        for r in store._connection().execute("SELECT event_id::VARCHAR FROM all_events").fetchall()
    ]
    assert sorted(stored) == sorted(e["event_id"] for e in events)
    fast = variant_statistics(store, "exp", METRICS)
    slow = straightforward_statistics(store, "exp", METRICS)
    for metric in METRICS:
        assert_close(
            as_tuples({v: m[metric.key] for v, m in fast.items()}),
            as_tuples({v: m[metric.key] for v, m in slow.items()}),
        )
    store.close()
