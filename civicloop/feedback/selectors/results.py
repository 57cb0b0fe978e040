"""A survey's results for charts: how answers spread over each rating scale, and the scores
week by week (each with its 95% interval, from the same estimators as the tables)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from civicloop.feedback import scoring
from civicloop.feedback.models import Answer, Question, QuestionKind, Survey
from civicloop.feedback.selectors.scores import answer_rows, scores_from_rows

# Scores charted week by week: one unit per chart (percent satisfied / NPS points).
WEEKLY_SHARES = ("govuk", "csat")


@dataclass(frozen=True)
class Distribution:
    question: Question
    counts: list[tuple[int, int]]  # (scale point, responses), every point of the scale

    @property
    def n(self) -> int:
        return sum(c for _, c in self.counts)


def score_distributions(*, survey: Survey) -> list[Distribution]:
    """For each rating question of the survey: responses per point of its scale."""
    questions = [q for q in survey.questions.all() if q.kind == QuestionKind.SCALE]
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    rows = Answer.objects.filter(question__in=questions, number__isnull=False).values_list(
        "question_id", "number"
    )
    for question_id, number in rows:
        if number is not None:
            counts[question_id][number] += 1
    out = []
    for q in questions:
        if q.scale_min is None or q.scale_max is None or not counts[q.pk]:
            continue
        points = range(q.scale_min, q.scale_max + 1)
        out.append(Distribution(q, [(p, counts[q.pk][p]) for p in points]))
    return out


def week_start(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def scores_per_week(*, survey: Survey) -> dict[date, list[scoring.Score]]:
    """Every score per ISO week of submission (weeks start on Monday, in local time)."""
    by_week: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in answer_rows(Answer.objects.filter(response__survey=survey)):
        local = timezone.localtime(row["response__submitted_at"]).date()
        by_week[week_start(local)].append(row)
    return {week: scores_from_rows(rows) for week, rows in sorted(by_week.items())}
