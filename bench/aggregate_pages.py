"""Stored figures against recomputing on each view (ADR 0019), in-process, same run.

    DATABASE_URL=... python bench/aggregate_pages.py --requests 20

Run on a database holding the demo and seeded responses (``bench/web_seed.py``, or its
``seed_responses``). Signs in as the demo's unit staff and times, with Django's test client,
the survey page, the impact report and the service dashboard twice: "stored" as the pages run
(figures read from ``core.Aggregate``) and "recomputed" with every stored figure treated as
stale and the computation run during the request (what each view did before ADR 0019). Prints
p50/p95 in ms, query counts, the responses counted and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from civicloop.core import aggregates  # noqa: E402
from civicloop.feedback.models import Response, Survey  # noqa: E402
from civicloop.people.models import Person  # noqa: E402


@contextmanager
def recomputing() -> Iterator[None]:
    """Every stored figure read as stale and small enough to compute during the request."""
    fresh = aggregates._fresh
    aggregates._fresh = lambda row, watermark: None  # type: ignore[assignment]
    try:
        with override_settings(CIVICLOOP_AGGREGATE_SYNC_MAX=10**9):
            yield
    finally:
        aggregates._fresh = fresh  # type: ignore[assignment]


def measure(client: Client, path: str, n: int) -> tuple[float, float, int]:
    assert client.get(path, secure=True).status_code == 200, path  # warm-up
    times = []
    for _ in range(n):
        started = time.perf_counter()
        answer = client.get(path, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, path
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, secure=True)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="per page and mode")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    survey = Survey.objects.filter(problem__isnull=False).order_by("pk").first()
    assert survey is not None, "run `manage.py demo` first"
    client = Client()
    client.force_login(Person.objects.get(email="staff@demo.civicloop.test"))
    pages = [
        ("survey detail", f"/feedback/{survey.pk}/"),
        ("evidence report", f"/evidence/problems/{survey.problem_id}/"),
        ("service dashboard", f"/feedback/services/{survey.service_key}/"),
    ]
    aggregates.aggregates_refresh_pending()
    in_survey = Response.objects.filter(survey=survey).count()
    print(f"responses: {Response.objects.count():,} ({in_survey:,} in the survey)")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = ("page", "stored p50/p95 ms", "q", "recomputed p50/p95 ms", "q", "ratio p50")
    print("{:<20} {:>18} {:>4} {:>22} {:>4} {:>9}".format(*head))
    for name, path in pages:
        stored = measure(client, path, args.requests)
        with recomputing():
            before = measure(client, path, args.requests)
        print(
            f"{name:<20} {stored[0]:>8.0f} / {stored[1]:<7.0f} {stored[2]:>4} "
            f"{before[0]:>11.0f} / {before[1]:<8.0f} {before[2]:>4} {before[0] / stored[0]:>8.1f}x"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"CPU time of this process: {time.process_time():.1f} s")


if __name__ == "__main__":
    main()
