"""The impact report reads its feedback inputs (CX scores, themes) from the figures stored
with each survey (ADR 0019): its query count does not grow with the responses, and the scores
it shows are the direct computation over every response."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicloop.core.aggregates import aggregates_refresh_pending
from civicloop.evidence import selectors as evidence_selectors
from civicloop.feedback import selectors as feedback_selectors
from civicloop.feedback import services as feedback_services
from civicloop.portfolio.tests.factories import ProblemFactory

pytestmark = pytest.mark.django_db


def test_the_report_reads_stored_survey_figures_whatever_the_number_of_responses(world, settings):
    settings.CIVICLOOP_AGGREGATE_SYNC_MAX = -1  # nothing computed during a request
    staff = world.principal("staff")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    survey = feedback_services.survey_create(
        actor=staff,
        unit=world.unit,
        title="Housing",
        templates=["govuk", "nps", "csat", "comment"],
        consent="ok",
        problem=problem,
    )
    rng = random.Random(3)
    client = world.client("staff")
    url = f"/evidence/problems/{problem.pk}/"
    counts = []
    for batch in (3, 80):
        for i in range(batch):
            feedback_services.response_submit(
                survey=survey,
                answers={"satisfaction": rng.randint(1, 5), "nps": rng.randint(0, 10)},
                channel="api",
                client=f"{batch}-{i}",
            )
        aggregates_refresh_pending()  # the worker
        client.get(url)  # the charts' cache filled (and the session's first-request writes)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
        report = evidence_selectors.impact_report_get(viewer=staff, problem_id=problem.pk)
        direct = feedback_selectors.survey_scores(survey=survey)["all"]
        assert [(s.value, s.ci_low, s.ci_high, s.n) for s in report.inputs.scores] == [
            (s.value, s.ci_low, s.ci_high, s.n) for s in direct
        ]
        assert report.inputs.scores[0].n == (3 if batch == 3 else 83)  # every response
    assert counts[0] == counts[1]
