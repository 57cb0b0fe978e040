"""Scores: GOV.UK satisfaction, CSAT, NPS, SUS and the CX drivers, with 95% intervals."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from civicloop.feedback import scoring
from civicloop.feedback.item_banks import CX_DRIVERS
from civicloop.feedback.models import Answer, QuestionKind, Survey

GROUPINGS = ("iteration", "variant", "month", "channel", "language")
# Marked for translation here, translated when a summary is built (in the reader's language).
SCORE_LABELS = {
    "govuk": gettext_noop("User satisfaction (GOV.UK, % satisfied)"),
    "csat": gettext_noop("CSAT (% satisfied)"),
    "nps": gettext_noop("Net Promoter Score"),
    "sus": gettext_noop("System Usability Scale"),
    "cx:trust": gettext_noop("CX trust (% agree)"),
    "cx:satisfaction": gettext_noop("CX satisfaction (% agree)"),
    "cx:effectiveness": gettext_noop("CX effectiveness (% agree)"),
    "cx:ease": gettext_noop("CX ease (% agree)"),
    "cx:efficiency": gettext_noop("CX efficiency (% agree)"),
    "cx:equity": gettext_noop("CX equity (% agree)"),
    "cx:employee": gettext_noop("CX employee helpfulness (% agree)"),
    "cx:transparency": gettext_noop("CX transparency (% agree)"),
}
assert {f"cx:{d}" for d in CX_DRIVERS} <= set(SCORE_LABELS)


def score_label(key: str) -> str:
    return gettext(SCORE_LABELS[key])


def group_value(row: dict[str, Any], by: str | None) -> str:
    if by is None:
        return "all"
    if by == "month":
        return row["response__submitted_at"].strftime("%Y-%m")
    value = row[
        {
            "iteration": "response__iteration_key",
            "variant": "response__variant",
            "channel": "response__channel",
            "language": "response__language",
        }[by]
    ]
    return value or "(none)"


def score_values(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """(score key, kind, [(response id, value)]) per score, in the order pages show them."""
    by_construct: dict[str, list[tuple[int, float]]] = defaultdict(list)
    sus_items: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        construct, number = row["question__construct"], row["number"]
        if number is None or not construct:
            continue
        if construct.startswith("sus:"):
            sus_items[row["response_id"]][int(construct[4:])] = number
        else:
            by_construct[construct].append((row["response_id"], number))
    out: list[tuple[str, str, list[tuple[int, float]]]] = []
    for key in ("govuk", "csat"):
        if by_construct.get(key):
            out.append((key, "share", by_construct[key]))
    if by_construct.get("nps"):
        out.append(("nps", "nps", by_construct["nps"]))
    totals = [
        (response_id, scoring.sus_total([items[i] for i in range(1, 11)]))
        for response_id, items in sus_items.items()
        if len(items) == 10
    ]
    if totals:
        out.append(("sus", "mean", totals))
    for driver in CX_DRIVERS:
        key = f"cx:{driver}"
        if by_construct.get(key):
            out.append((key, "share", by_construct[key]))
    return out


def scores_from_rows(rows: list[dict[str, Any]]) -> list[scoring.Score]:
    """Scores from answer rows with construct, number and response id."""
    scores: list[scoring.Score] = []
    for key, kind, pairs in score_values(rows):
        values = [value for _, value in pairs]
        if kind == "share":
            answers = [int(v) for v in values]
            scores.append(scoring.share_score(key, score_label(key), answers, top=(4, 5)))
        elif kind == "nps":
            scores.append(scoring.nps_score([int(v) for v in values], label=score_label(key)))
        else:
            scores.append(scoring.sus_score(values, label=score_label(key)))
    return scores


def answer_rows(answers: QuerySet[Answer]) -> list[dict[str, Any]]:
    # values() rows are plain dicts; the stubs type them as a TypedDict of these fields.
    return cast(
        "list[dict[str, Any]]",
        list(
            answers.filter(question__kind=QuestionKind.SCALE).values(
                "question__construct",
                "number",
                "response_id",
                "response__submitted_at",
                "response__iteration_key",
                "response__variant",
                "response__channel",
                "response__language",
            )
        ),
    )


def survey_scores(
    *,
    survey: Survey,
    by: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, list[scoring.Score]]:
    """Scores with 95% intervals, overall or per iteration / variant / month / channel."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"by: choose one of {', '.join(GROUPINGS)}")
    answers = Answer.objects.filter(response__survey=survey)
    if start is not None:
        answers = answers.filter(response__submitted_at__gte=start)
    if end is not None:
        answers = answers.filter(response__submitted_at__lt=end)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in answer_rows(answers):
        groups[group_value(row, by)].append(row)
    return {group: scores_from_rows(rows) for group, rows in sorted(groups.items())}


def satisfaction_share(*, survey: Survey, start: datetime, end: datetime) -> scoring.Score | None:
    """The 'user satisfaction' figure: GOV.UK share satisfied, else CSAT, in a period."""
    scores = survey_scores(survey=survey, start=start, end=end).get("all", [])
    for key in ("govuk", "csat"):
        for score in scores:
            if score.key == key:
                return score
    return None
