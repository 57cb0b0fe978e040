"""Codes become words on pages; text that looks like a tag is shown, never swallowed."""

from __future__ import annotations

import re

import polib
import pytest
from django.utils import translation

from civicloop.locale import messages
from civicloop.web import labels

PO_PATH = messages.LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
# Tags a translated template string may carry on purpose (Jinja2's `_()` output is not escaped).
ALLOWED_TAGS = {"a", "abbr", "br", "code", "em", "strong", "span"}
TAG = re.compile(r"</?([A-Za-z][\w-]*)")


def test_template_strings_hold_no_text_that_a_browser_would_read_as_a_tag():
    """Jinja2 marks `_()` output safe, so "Bearer <key>" in a msgid (or its Spanish) vanished
    as an unknown tag. Such text must be a placeholder value, which is escaped."""
    catalogue = polib.pofile(str(PO_PATH))
    wrong = []
    for entry in catalogue:
        if entry.obsolete or not any(path.endswith(".html") for path, _ in entry.occurrences):
            continue
        for text in (entry.msgid, entry.msgstr):
            for tag in TAG.findall(text or ""):
                if tag.lower() not in ALLOWED_TAGS:
                    wrong.append((entry.msgid, tag))
    assert wrong == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_api_keys_page_shows_the_authorization_header_whole(world, language):
    client = world.client("staff")
    client.cookies["django_language"] = language
    body = client.get("/settings/api-keys/").content.decode()
    usage = body[body.index('id="api-key-usage"') :]
    assert "Authorization: Bearer &lt;key&gt;" in usage[: usage.index("</p>")]


def test_choice_codes_field_names_and_objects_read_as_words():
    assert labels.choice_label("experiments.experimentmetric", "role", "secondary") == "Secondary"
    assert labels.field_label("experiments.experiment", "planned_days") == "Planned days"
    assert labels.field_label(None, "organization_id") == "Organization"
    assert labels.vocab("phone", "experiments.Channel") == "Phone"
    assert labels.object_label("core.apikey", "2") == "API key no. 2"
    assert labels.action_label("market.challenge_created") == "Market: Challenge created"
    with translation.override("es"):
        assert labels.choice_label("experiments.experimentmetric", "role", "guardrail") != (
            "Guardrail"
        )
        assert labels.object_label("core.apikey", "2") == "Clave de API n.º 2"


def test_results_warnings_are_said_in_the_readers_language():
    from civicloop.experiments.warning_text import warning_text

    stored = (
        "Sample ratio mismatch (p = 2.1e-05): the variants did not get the planned shares of "
        "traffic; check assignment and logging before trusting any result."
    )
    assert warning_text(stored) == stored
    with translation.override("es"):
        spanish = warning_text(stored)
    assert spanish.startswith("Desajuste en la proporción de muestras (p = 2,1e-05)")
    assert warning_text("Something new.") == "Something new."
