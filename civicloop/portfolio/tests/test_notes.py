"""A note the system wrote on a measurement reads in the reader's language."""

import pytest
from django.utils import translation

from civicloop.portfolio.notes import note_text, satisfaction_note


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Share satisfied from 1 response in the last 30 days."),
        ("es", "Proporción satisfecha según 1 respuesta en los últimos 30 días."),
    ],
)
def test_a_score_without_an_interval_is_said_without_one(language, says):
    note = satisfaction_note(n=1, ci_low=None, ci_high=None, days=30)
    assert note == "feedback.satisfaction n=1 days=30"
    with translation.override(language):
        assert note_text(note) == says


def test_the_code_keeps_the_figures_and_a_typed_note_is_left_alone():
    note = satisfaction_note(n=1200, ci_low=61.25, ci_high=78.94, days=30)
    with translation.override("en"):
        assert note_text(note) == (
            "Share satisfied from 1,200 responses in the last 30 days; "
            "95% interval from 61.2% to 78.9%."
        )
        assert note_text("feedback.satisfaction soon") == "feedback.satisfaction soon"
        assert note_text("n=3 by hand") == "n=3 by hand"
