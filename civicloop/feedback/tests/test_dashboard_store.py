"""The service dashboard and an iteration's feedback panel are computed once and stored per
viewer's scope (ADR 0019, "Also stored"): after any sequence of writes what the pages read
equals the direct computation over every row, the pages say when it was computed, and their
query count does not grow with the responses."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicloop.core.aggregates import aggregates_refresh_pending
from civicloop.core.models import Aggregate
from civicloop.experiments.tests import factories as xf
from civicloop.feedback import selectors, services, theming
from civicloop.feedback.models import Response
from civicloop.feedback.selectors.dashboard_store import ITERATION_KIND, SERVICE_KIND
from civicloop.feedback.tests.test_summary import WORDS, _random_answers, _same

pytestmark = pytest.mark.django_db
SERVICE_KEYS = ["", "licences", "parking"]
ITERATION_KEYS = ["", "licence-renewals-1", "licence-renewals-2", "untracked-9"]


@pytest.fixture
def iteration_world(world):
    staff = world.principal("staff")
    service = xf.service(staff, world.unit, world.agency)
    iteration = xf.iteration(staff, service)
    surveys = [
        services.survey_create(
            actor=staff,
            unit=world.unit,
            title=title,
            templates=["govuk", "nps", "csat", "sus", "comment", "age"],
            consent="ok",
            service_key=key,
        )
        for title, key in (("Licences", "licences"), ("Counter", ""))
    ]
    return iteration, surveys


def _random_write(world, surveys, rng: random.Random, i: int) -> None:
    roll = rng.random()
    if roll < 0.8:
        services.response_submit(
            survey=rng.choice(surveys),
            answers=_random_answers(rng),
            channel=rng.choice(["hosted", "api", "phone"]),
            client=f"c{i}",
            respondent_id=f"r{rng.randint(0, 5)}",
            service_key=rng.choice(SERVICE_KEYS),
            iteration_key=rng.choice(ITERATION_KEYS),
            variant=rng.choice(["", "a", "b"]),
            submitted_at=timezone.now() - timedelta(days=rng.randint(0, 90)),
        )
    elif roll < 0.9 and Response.objects.exists():
        rid = rng.choice(list(Response.objects.values_list("respondent_id", flat=True)))
        services.respondent_erasure_run(
            actor=world.principal("staff"), respondent_id=rid, confirm_respondent_id=rid
        )
    else:
        theming.themes_refresh(survey=rng.choice(surveys))


def _dashboard(read, viewer, key):
    try:
        return asdict(read(viewer=viewer, service_key=key))
    except Http404:
        return "404"


def _stored_dashboard(*, viewer, service_key):
    dashboard, computed_at, stale = selectors.service_dashboard_read(
        viewer=viewer, service_key=service_key
    )
    assert computed_at is not None and not stale
    return dashboard


def _stored_panel(viewer, iteration):
    panel = selectors.iteration_feedback_summary(viewer=viewer, iteration=iteration, stored=True)
    if panel is None:
        return None
    assert panel.pop("computed_at") is not None and not panel.pop("stale")
    return panel


def _check(world, iteration) -> None:
    for role in ("staff", "official", "outsider"):
        viewer = world.principal(role)
        for key in ["licences", "parking", "nowhere"]:
            direct = _dashboard(selectors.service_dashboard, viewer, key)
            assert _same(_dashboard(_stored_dashboard, viewer, key), direct), (role, key)
        direct_panel = selectors.iteration_feedback_summary(viewer=viewer, iteration=iteration)
        assert _same(_stored_panel(viewer, iteration), direct_panel), role


@pytest.mark.parametrize("seed", range(3))
def test_stored_dashboards_equal_the_direct_computation_after_random_writes(
    world, iteration_world, settings, django_capture_on_commit_callbacks, seed
):
    # Never computed during a request: what is read is what the worker stored.
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    iteration, surveys = iteration_world
    rng = random.Random(seed)
    for step in range(rng.randint(8, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            _random_write(world, surveys, rng, step)
            if rng.random() < 0.2:
                services.responses_link_pending()
        if rng.random() < 0.25:
            _check(world, iteration)
    _check(world, iteration)


def test_a_response_makes_the_stored_dashboard_stale_until_the_worker_runs(
    world, iteration_world, settings
):
    iteration, (survey, _) = iteration_world
    staff = world.principal("staff")
    services.response_submit(
        survey=survey,
        answers={"satisfaction": 5, "comment": "slow queue"},
        channel="api",
        service_key="licences",
        iteration_key="licence-renewals-1",
    )
    page = world.client("staff").get("/feedback/services/licences/").content.decode()
    assert "Figures computed at" in page  # small: computed during the request
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1  # as with a large service
    services.response_submit(
        survey=survey, answers={"satisfaction": 1}, channel="api", service_key="licences"
    )
    # The write bumped the stored rows (their recompute is enqueued on commit, which a test's
    # transaction never reaches): the page shows the older figures and says so.
    Aggregate.objects.filter(kind__in=[SERVICE_KIND, ITERATION_KIND]).update(queued=True)
    dashboard, _, stale = selectors.service_dashboard_read(viewer=staff, service_key="licences")
    assert stale and dashboard.n == 1
    page = world.client("staff").get("/feedback/services/licences/").content.decode()
    assert "Newer data has arrived since then; the figures are being recomputed." in page
    aggregates_refresh_pending()  # the worker
    dashboard, _, stale = selectors.service_dashboard_read(viewer=staff, service_key="licences")
    assert not stale and dashboard.n == 2


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_read_stored_figures_whatever_the_number_of_responses(
    world, iteration_world, settings
):
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    iteration, (survey, _) = iteration_world
    rng = random.Random(7)
    client = world.client("staff")
    urls = ["/feedback/services/licences/", f"/experiments/iterations/{iteration.pk}/"]
    counts = []
    for batch in (3, 60):
        for i in range(batch):
            services.response_submit(
                survey=survey,
                answers={"satisfaction": rng.randint(1, 5), "comment": rng.choice(WORDS)},
                channel="api",
                client=f"{batch}-{i}",
                service_key="licences",
                iteration_key=rng.choice(["licence-renewals-1", "untracked-9"]),
            )
        for url in urls:  # first view of a large input: asks the worker
            client.get(url)
        aggregates_refresh_pending()
        counts.append([_queries(client, url) for url in urls])
    assert counts[0] == counts[1]
    page = client.get(urls[1]).content.decode()
    assert "Figures computed at" in page
    assert selectors.iteration_feedback(viewer=world.principal("staff"), iteration=iteration).n
