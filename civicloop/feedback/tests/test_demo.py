"""The demo loader: English and Spanish comments, redacted, themed, scored and fed to the KPI."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from civicloop.core.demo import load_core_demo
from civicloop.feedback import demo, selectors, services
from civicloop.feedback.models import Answer, Response, Survey
from civicloop.portfolio import demo as portfolio_demo
from civicloop.portfolio.models import Measurement


@pytest.mark.slow  # loads the feedback demo and themes it (about 8 s)
@pytest.mark.django_db
def test_demo_has_bilingual_themed_feedback():
    ctx: dict = {"orgs": load_core_demo()}
    portfolio_demo.load(ctx)
    demo.load(ctx)
    assert Response.objects.count() == 300
    languages = set(Response.objects.values_list("language", flat=True))
    assert languages == {"en", "es"}
    comments = Answer.objects.exclude(text="")
    assert not comments.filter(text__contains="@example.com").exists()
    assert comments.filter(text__contains="[EMAIL]").exists()
    assert not comments.filter(theme=None).exists()
    housing = Survey.objects.get(slug="housing-decisions")
    assert housing.themes.filter(label="Waiting for a decision", pinned=True).exists()
    scores = {s.key: s for s in selectors.survey_scores(survey=housing)["all"]}
    assert {"govuk", "cx:trust", "cx:equity"} <= set(scores)
    kpi = housing.feeds_kpi
    assert kpi is not None
    fed = Measurement.objects.filter(kpi=kpi, source__startswith="Feedback survey").get()
    # The feed covers the 30 days before today (local midnight) up to the end of today.
    since = timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=services.FEED_WINDOW_DAYS), time.min)
    )
    recent = Answer.objects.filter(
        response__survey=housing, question__key="satisfaction", response__submitted_at__gte=since
    )
    numbers = list(recent.values_list("number", flat=True))
    assert None not in numbers  # every satisfaction answer is a number
    expected = 100 * sum(1 for v in numbers if v is not None and v >= 4) / len(numbers)
    assert float(fed.value) == pytest.approx(expected, abs=0.01)
    assert f"n={len(numbers)}" in fed.note
