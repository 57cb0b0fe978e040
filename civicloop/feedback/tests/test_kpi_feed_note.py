"""The note the satisfaction feed writes on a KPI measurement is stored in no language and read
in the reader's: the KPI page and the API say it in English or Spanish, old English rows too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicloop.feedback import services
from civicloop.portfolio.models import Measurement
from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory

pytestmark = pytest.mark.django_db

SAYS = {
    "en": "Share satisfied from 8 responses in the last 30 days; 95% interval",
    "es": "Proporción satisfecha según 8 respuestas en los últimos 30 días; intervalo del 95 %:",
}


@pytest.fixture
def fed(world, survey):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    kpi = KpiFactory.create(problem=problem, template_key="user_satisfaction")
    for i, value in enumerate([5, 4, 4, 3, 1, 2, 5, 4]):
        services.response_submit(
            survey=survey, answers={"satisfaction": value}, channel="api", client=str(i)
        )
    services.kpi_feed_set(actor=world.principal("staff"), survey=survey, kpi=kpi)
    survey.refresh_from_db()
    measurement = services.kpi_feed_record(survey=survey)
    assert measurement is not None
    return measurement


def test_the_stored_note_is_a_code_with_the_figures_not_english(fed):
    assert fed.note.startswith("feedback.satisfaction n=8 ci=")
    assert fed.note.endswith(" days=30")
    assert "last" not in fed.note and "CI" not in fed.note


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_kpi_page_and_the_api_say_the_note_in_the_readers_language(world, fed, language):
    page = world.client("staff").get(
        f"/portfolio/kpis/{fed.kpi_id}/", HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert SAYS[language] in html
    assert "feedback.satisfaction" not in html
    api = world.client(None).get(
        f"/api/v1/kpis/{fed.kpi_id}/measurements",
        HTTP_AUTHORIZATION=f"Bearer {world.api_key('read')}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert api.status_code == 200, api.content
    (row,) = api.json()["items"]
    assert row["note"].startswith(SAYS[language])


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "from 42 responses in the last 30 days; 95% interval from 61.2% to 78.9%."),
        ("es", "según 42 respuestas en los últimos 30 días; intervalo del 95 %: de 61,2 %"),
    ],
)
def test_a_note_the_feed_stored_in_english_before_is_said_in_the_readers_language(
    world, fed, language, says
):
    Measurement.objects.create(
        kpi=fed.kpi,
        date=timezone.localdate() - timedelta(days=1),
        value="60.00",
        note="n=42, 95% CI 61.2-78.9% (last 30 days)",
    )
    typed = Measurement.objects.create(
        kpi=fed.kpi,
        date=timezone.localdate() - timedelta(days=2),
        value="58.00",
        note="Counted by hand at the office.",
    )
    html = (
        world.client("staff")
        .get(f"/portfolio/kpis/{fed.kpi_id}/", HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
    )
    assert says in html
    assert typed.note in html  # a note a person typed is shown as typed
