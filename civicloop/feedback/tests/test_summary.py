"""A survey's figures are computed once and stored (ADR 0019): after any sequence of writes the
stored figures equal the direct computation, pages say when they were computed and whether
newer responses wait, an erasure invalidates them, and recomputing twice changes nothing."""

from __future__ import annotations

import math
import random
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from django.utils import timezone

from civicloop.core.aggregates import (
    aggregate_read,
    aggregate_refresh,
    aggregate_request,
    aggregates_refresh_pending,
)
from civicloop.core.models import Aggregate
from civicloop.feedback import selectors, services, theming
from civicloop.feedback.models import Response
from civicloop.feedback.selectors.summary import SURVEY_KIND
from civicloop.portfolio.tests.factories import ProblemFactory, TargetGroupFactory

pytestmark = pytest.mark.django_db
BANDS = ["under_25", "25_44", "45_64", "65_plus"]
WORDS = ["queue", "slow", "form", "helpful", "website", "payment", "waiting", "staff"]


@pytest.fixture
def linked_survey(world):
    group = TargetGroupFactory.create(unit=world.unit, name="Residents")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    survey = services.survey_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Housing",
        templates=["govuk", "nps", "csat", "sus", "comment", "age"],
        consent="ok",
        problem=problem,
    )
    return survey, group


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN (a chi-square p-value over one category)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _direct(survey, viewer) -> dict:
    return {
        "n": selectors.respondent_count(survey=survey),
        "overall": [asdict(s) for s in selectors.survey_scores(survey=survey).get("all", [])],
        "targets": [
            {
                "r": asdict(c.representativeness),
                "rows": [[asdict(s), asdict(w)] for s, w in c.weighted.rows],
                "shares": c.weighted.shares,
            }
            for c in selectors.survey_target_checks(survey=survey)
        ],
        "distributions": [
            (d.question.pk, d.counts) for d in selectors.score_distributions(survey=survey)
        ],
        "trends": {
            by: selectors.theme_trends(survey=survey, by=by)
            for by in ("iteration", "variant", "month")
        },
        "weekly": {
            w: [asdict(s) for s in scores]
            for w, scores in selectors.scores_per_week(survey=survey).items()
        },
        "service_keys": selectors.service_keys(viewer=viewer),
    }


def _stored(survey) -> dict:
    summary = selectors.survey_summary(survey=survey)
    weeks, _ = selectors.survey_weekly(survey=survey)
    return {
        "n": summary.n,
        "overall": [asdict(s) for s in summary.overall],
        "targets": [
            {
                "r": asdict(c.representativeness),
                "rows": [[asdict(s), asdict(w)] for s, w in c.weighted.rows],
                "shares": c.weighted.shares,
            }
            for c in summary.targets
        ],
        "distributions": [(d.question.pk, d.counts) for d in summary.distributions],
        "trends": summary.trends,
        "weekly": {w: [asdict(s) for s in scores] for w, scores in weeks.items()},
        "service_keys": selectors.survey_service_keys(
            surveys=[survey], summaries={survey.pk: summary}
        ),
    }


def _random_answers(rng: random.Random) -> dict:
    answers: dict = {"satisfaction": rng.randint(1, 5)}  # the one required question
    if rng.random() < 0.7:
        answers["nps"] = rng.randint(0, 10)
    if rng.random() < 0.5:
        answers["csat"] = rng.randint(1, 5)
    if rng.random() < 0.3:
        for i in range(1, 11):
            answers[f"sus_{i}"] = rng.randint(1, 5)
    if rng.random() < 0.6:
        answers["comment"] = " ".join(rng.choices(WORDS, k=4))
    if rng.random() < 0.8:
        answers["age_band"] = rng.choice(BANDS)
    return answers


def _random_write(world, survey, group, rng: random.Random, i: int) -> None:
    staff = world.principal("staff")
    roll = rng.random()
    if roll < 0.75:
        services.response_submit(
            survey=survey,
            answers=_random_answers(rng),
            channel=rng.choice(["hosted", "api", "phone"]),
            client=f"c{i}",
            respondent_id=f"r{rng.randint(0, 5)}",
            service_key=rng.choice(["", "licences", "parking"]),
            iteration_key=rng.choice(["", "it-1", "it-2"]),
            variant=rng.choice(["", "a", "b"]),
            submitted_at=timezone.now() - timedelta(days=rng.randint(0, 60)),
        )
    elif roll < 0.85 and Response.objects.filter(survey=survey).exists():
        rid = rng.choice(list(Response.objects.values_list("respondent_id", flat=True)))
        services.respondent_erasure_run(actor=staff, respondent_id=rid, confirm_respondent_id=rid)
    elif roll < 0.93:
        shares = [rng.randint(1, 5) for _ in BANDS]
        services.profile_target_set(
            actor=staff,
            target_group=group,
            dimension="age_band",
            shares={b: s / sum(shares) for b, s in zip(BANDS, shares, strict=True)},
            source="Register",
            as_of=date(2026, 1, 1),
        )
    else:
        theming.themes_refresh(survey=survey)


@pytest.mark.parametrize("seed", range(3))
def test_stored_figures_equal_the_direct_computation_after_random_writes(
    world, linked_survey, settings, django_capture_on_commit_callbacks, seed
):
    # Never computed during a request: what is read is what the task stored.
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    survey, group = linked_survey
    staff = world.principal("staff")
    rng = random.Random(seed)
    for step in range(rng.randint(5, 25)):
        with django_capture_on_commit_callbacks(execute=True):
            _random_write(world, survey, group, rng, step)
        if rng.random() < 0.2:
            assert _same(_stored(survey), _direct(survey, staff))
    assert _same(_stored(survey), _direct(survey, staff))
    assert not selectors.survey_summary(survey=survey).stale


def test_a_burst_of_writes_enqueues_one_recompute(world, survey, settings, monkeypatch):
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    enqueued: list[tuple[str, str]] = []

    class Queue:  # stands in for the task: records what would be enqueued
        def enqueue(self, kind: str, key: str) -> None:
            enqueued.append((kind, key))

    monkeypatch.setattr("civicloop.core.tasks.refresh_aggregate", Queue())

    for i in range(5):
        services.response_submit(
            survey=survey, answers={"satisfaction": 4}, channel="api", client=str(i)
        )
        # What each response's on-commit callback does (the test's transaction never commits).
        aggregate_request(SURVEY_KIND, str(survey.pk))
    assert enqueued == [(SURVEY_KIND, str(survey.pk))]
    row = Aggregate.objects.get(kind=SURVEY_KIND, key=str(survey.pk))
    assert row.queued and row.version > row.computed_version


def test_the_page_says_when_the_figures_were_computed_and_that_newer_ones_wait(
    world, survey, settings
):
    staff = world.client("staff")
    services.response_submit(survey=survey, answers={"satisfaction": 5}, channel="api", client="1")
    page = staff.get(f"/feedback/{survey.pk}/").content.decode()
    assert "Figures computed at" in page  # small input: computed during the request
    assert "being recomputed" not in page

    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1  # as with a large survey
    services.response_submit(survey=survey, answers={"satisfaction": 1}, channel="api", client="2")
    # A recompute is already waiting (the response's on-commit callback, which a test's
    # transaction never runs): the page shows the older figures and says so.
    Aggregate.objects.filter(kind=SURVEY_KIND).update(queued=True)
    page = staff.get(f"/feedback/{survey.pk}/").content.decode()
    assert "Newer data has arrived since then; the figures are being recomputed." in page
    assert selectors.survey_summary(survey=survey).n == 1  # the older figures, said to be so

    aggregate_refresh(SURVEY_KIND, str(survey.pk))  # the worker
    summary = selectors.survey_summary(survey=survey)
    assert summary.n == 2 and not summary.stale


def test_a_large_survey_never_computed_says_it_is_being_computed(world, survey, settings):
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    # The worker has the recompute, not done yet.
    Aggregate.objects.create(kind=SURVEY_KIND, key=str(survey.pk), queued=True)
    page = world.client("staff").get(f"/feedback/{survey.pk}/").content.decode()
    assert "These figures are being computed. Reload this page in a minute." in page


def test_erasure_invalidates_the_stored_figures(world, survey, settings):
    services.response_submit(
        survey=survey, answers={"satisfaction": 5}, channel="api", respondent_id="u-1"
    )
    services.response_submit(
        survey=survey, answers={"satisfaction": 1}, channel="api", respondent_id="u-2"
    )
    assert selectors.survey_summary(survey=survey).n == 2
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    services.respondent_erasure_run(
        actor=world.principal("staff"), respondent_id="u-1", confirm_respondent_id="u-1"
    )
    Aggregate.objects.filter(kind=SURVEY_KIND).update(queued=True)  # its on-commit enqueue
    summary = selectors.survey_summary(survey=survey)
    assert summary.stale  # the erased response is no longer shown as current
    aggregate_refresh(SURVEY_KIND, str(survey.pk))
    summary = selectors.survey_summary(survey=survey)
    assert summary.n == 1 and not summary.stale
    assert [s.n for s in summary.overall if s.key == "govuk"] == [1]


def test_a_write_that_skips_the_invalidation_is_caught_by_the_watermark(world, survey, settings):
    services.response_submit(survey=survey, answers={"satisfaction": 5}, channel="api")
    assert selectors.survey_summary(survey=survey).n == 1
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1
    Response.objects.filter(survey=survey).delete()  # no service, no invalidation
    stored = aggregate_read(SURVEY_KIND, survey.pk)
    assert stored is not None
    assert stored.payload["n"] == 0  # the moved watermark had it recomputed


def test_the_recompute_is_idempotent(world, survey):
    for i in range(3):
        services.response_submit(
            survey=survey, answers={"satisfaction": i + 2, "nps": 9}, channel="api", client=str(i)
        )
    first = aggregate_refresh(SURVEY_KIND, str(survey.pk))
    row = Aggregate.objects.get(kind=SURVEY_KIND, key=str(survey.pk))
    second = aggregate_refresh(SURVEY_KIND, str(survey.pk))
    again = Aggregate.objects.get(kind=SURVEY_KIND, key=str(survey.pk))
    assert first is not None
    assert second is not None
    assert first.payload == second.payload
    assert (row.payload, row.version, row.computed_version, row.watermark) == (
        again.payload,
        again.version,
        again.computed_version,
        again.watermark,
    )


def test_the_feedback_page_lists_stored_counts_and_services(world, survey):
    services.response_submit(
        survey=survey, answers={"satisfaction": 5}, channel="api", service_key="parking"
    )
    # The list page computes nothing itself: it shows what the worker stored.
    aggregates_refresh_pending()
    page = world.client("staff").get("/feedback/").content.decode()
    assert "Figures computed at" in page
    assert "/feedback/services/parking/" in page or ">parking<" in page
