"""Human labels for the codes feedback stores: breakdown dimensions, channels, languages, age
bands, sentiment and question constructs. Codes stay in the database and the API; pages show
these labels, in the reader's language. An unknown code is shown as it is."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext, gettext_noop

from civicloop.feedback.models import Channel

if TYPE_CHECKING:
    from civicloop.feedback.models import Survey

NONE = "(none)"  # the group of responses without a value (selectors.scores.group_value)

DIMENSIONS = {
    "iteration": gettext_noop("Iteration"),
    "variant": gettext_noop("Variant"),
    "month": gettext_noop("Month"),
    "channel": gettext_noop("Channel"),
    "language": gettext_noop("Language"),
    "age_band": gettext_noop("Age band"),
}
LANGUAGES = {"en": gettext_noop("English"), "es": gettext_noop("Spanish")}
AGE_BANDS = {
    "under_25": gettext_noop("Under 25"),
    "25_44": gettext_noop("25 to 44"),
    "45_64": gettext_noop("45 to 64"),
    "65_plus": gettext_noop("65 or over"),
}
SENTIMENTS = {
    "positive": gettext_noop("Positive"),
    "negative": gettext_noop("Negative"),
    "neutral": gettext_noop("Neutral"),
}
CONSTRUCTS = {
    "govuk": gettext_noop("GOV.UK user satisfaction"),
    "csat": gettext_noop("CSAT"),
    "nps": gettext_noop("Net Promoter Score"),
    "cx:trust": gettext_noop("CX trust"),
    "cx:satisfaction": gettext_noop("CX satisfaction"),
    "cx:effectiveness": gettext_noop("CX effectiveness"),
    "cx:ease": gettext_noop("CX ease"),
    "cx:efficiency": gettext_noop("CX efficiency"),
    "cx:equity": gettext_noop("CX equity"),
    "cx:employee": gettext_noop("CX employee helpfulness"),
    "cx:transparency": gettext_noop("CX transparency"),
}


class Labels:
    """Labels for one survey's pages; choice questions that record a profile dimension (the
    age band question, custom ones) label their own codes in the page's language."""

    def __init__(self, survey: Survey | None = None, language: str = "en") -> None:
        self.choices: dict[str, dict[str, str]] = {}
        if survey is not None:
            for question in survey.questions.all():
                if question.profile_dimension and question.choices:
                    self.choices[question.profile_dimension] = {
                        str(c["value"]): c.get(language) or c.get("en") or str(c["value"])
                        for c in question.choices
                        if "value" in c
                    }

    def dimension(self, code: str) -> str:
        return gettext(DIMENSIONS[code]) if code in DIMENSIONS else code

    def category(self, dimension: str, code: str) -> str:
        """The label of one value of a dimension (a group on a breakdown or a profile)."""
        if code == NONE or code == "":
            return gettext("Not given")
        if code in self.choices.get(dimension, {}):
            return self.choices[dimension][code]
        if dimension == "channel" and code in Channel.values:
            return str(Channel(code).label)
        if dimension == "language":
            return self.language(code)
        if dimension == "age_band" and code in AGE_BANDS:
            return gettext(AGE_BANDS[code])
        if dimension == "month":
            return month(code)
        return code

    def categories(self, dimension: str, codes: list[str]) -> str:
        return ", ".join(self.category(dimension, c) for c in codes)

    @staticmethod
    def language(code: str) -> str:
        return gettext(LANGUAGES[code]) if code in LANGUAGES else code

    @staticmethod
    def sentiment(code: str) -> str:
        return gettext(SENTIMENTS[code]) if code in SENTIMENTS else code

    @staticmethod
    def construct(code: str) -> str:
        if code.startswith("sus:") and code[4:].isdigit():
            return gettext("SUS item %(number)s") % {"number": code[4:]}
        return gettext(CONSTRUCTS[code]) if code in CONSTRUCTS else code


def month(code: str) -> str:
    """'2026-01' as 'January 2026' in the reader's language; other text unchanged."""
    try:
        year, number = (int(part) for part in code.split("-"))
        return formats.date_format(date(year, number, 1), "F Y")
    except (TypeError, ValueError):
        return code
