"""The staff summaries page lists decided iterations still to summarise a page at a time."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from civicloop.experiments.models import Decision, Service
from civicloop.experiments.tests import factories as experiment_factories
from civicloop.web.tests.paging import page_queries


def _decide(world, iterations, start):
    now = timezone.now()
    Decision.objects.bulk_create(
        Decision(
            iteration=it,
            kind="scale",
            rationale="The reminder worked.",
            decided_at=now - timedelta(minutes=start + i),
            decided_by=world.people["staff"],
        )
        for i, it in enumerate(iterations)
    )


def test_decisions_to_summarise_page_newest_first_and_count_only_the_viewers_units(world):
    staff = world.principal("staff")
    ours = experiment_factories.service(staff, world.unit, world.agency)
    iterations = [
        experiment_factories.iteration(staff, ours, title=f"Iteration {i:03d}") for i in range(52)
    ]
    _decide(world, iterations, 0)  # Iteration 000 newest, Iteration 051 oldest
    theirs = experiment_factories.service(staff, world.unit, world.agency, name="Parking permits")
    _decide(world, [experiment_factories.iteration(staff, theirs, title="Iteration 999")], 100)
    Service.objects.filter(pk=theirs.pk).update(unit=world.other_unit)
    client = world.client("staff")
    first, html = page_queries(client, "/public/manage/summaries/")
    assert re.findall(r"Iteration (\d{3})", html) == [f"{i:03d}" for i in range(50)]
    assert "Page 1 of 2, 1 to 50 of 52" in html  # the other unit's decision is not counted
    html = client.get("/public/manage/summaries/?decisions_page=2").content.decode()
    assert re.findall(r"Iteration (\d{3})", html) == ["050", "051"]
    more = [
        experiment_factories.iteration(staff, ours, title=f"Iteration {i:03d}")
        for i in range(52, 60)
    ]
    _decide(world, more, 200)
    again, _html = page_queries(client, "/public/manage/summaries/")
    assert again == first  # the page's query count does not grow with the list
