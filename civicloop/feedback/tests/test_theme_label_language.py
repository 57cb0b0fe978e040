"""Theme labels in the reader's language, never a mix (issue 15, items 10 and 13).

A theme that holds English and Spanish comments keeps a label per language, each from that
language's comments only; a reader sees the label of their language. A theme with no comment in
the reader's language shows its own language's label, marked with ``lang`` and a note.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from civicloop.feedback import theming
from civicloop.feedback.models import Answer, Theme
from civicloop.feedback.tests.test_themes import STAFF, WAIT, WEB, _submit, _theme_of
from civicloop.web.labels import theme_label

pytestmark = pytest.mark.django_db


def _page(world, survey, language: str) -> str:
    client = world.client("staff")
    client.cookies["django_language"] = language
    return client.get(f"/feedback/{survey.pk}/themes/").content.decode()


def _words(label: str) -> set[str]:
    return {w for part in label.split(", ") for w in part.split()}


def test_a_bilingual_theme_has_a_label_per_language_from_its_own_comments(world, survey):
    _submit(survey, WAIT + WEB + STAFF)
    theming.themes_refresh(survey=survey)
    theme = _theme_of(WAIT[0])
    assert theme == _theme_of(WAIT[2])  # English and Spanish comments in one theme
    by_language = {e["language"]: e for e in theme.labels}
    assert set(by_language) == {"en", "es"}
    for language, entry in by_language.items():
        comments = " ".join(
            a.text.lower() for a in Answer.objects.filter(theme=theme, response__language=language)
        )
        assert _words(entry["label"]) <= set(re.findall(r"\w+", comments)), entry
        assert (
            entry["comments"]
            == Answer.objects.filter(theme=theme, response__language=language).count()
        )

    english, spanish = by_language["en"]["label"], by_language["es"]["label"]
    english_page, spanish_page = _page(world, survey, "en"), _page(world, survey, "es")
    assert english in english_page and spanish not in english_page
    assert spanish in spanish_page and english not in spanish_page


def test_a_theme_without_comments_in_the_readers_language_is_marked(world, survey):
    Theme.objects.create(
        survey=survey,
        key="t1",
        label="cobraron, dos veces, renovación",
        size=3,
        labels=[{"language": "es", "label": "cobraron, dos veces, renovación", "comments": 3}],
    )
    body = _page(world, survey, "en")
    assert '<span lang="es">cobraron, dos veces, renovación</span>' in body
    assert "(in Spanish)" in body
    spanish = _page(world, survey, "es")
    assert "cobraron, dos veces, renovación" in spanish and "(en español)" not in spanish


def test_a_label_a_person_wrote_is_shown_as_written(world, survey):
    theme = Theme(survey=survey, key="h1", label="Double charge", size=2, pinned=True, labels=[])
    with translation.override("es"):
        assert theme_label(theme) == "Double charge"
        assert theme_label({"label": "x", "labels": [{"language": "en", "label": "y"}]}) == (
            '<span lang="en">y</span> <span class="govuk-body-s">(en inglés)</span>'
        )
