"""A survey's figures computed once (ADR 0019): scores, representativeness and weighted scores,
score distributions, weekly scores, themes' counts and the service keys its responses carry.

`survey_summary_compute` calls the selectors every page used to call on each view and turns
their results into JSON; `survey_summary` reads them back (through `core.aggregates`) as the
same dataclasses, so a page cannot tell them apart except by `computed_at`. Weekly scores are
bucketed by local weeks, so they are stored per time zone (`survey_weekly`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, prefetch_related_objects
from django.utils import timezone

from civicloop.core.aggregates import Stored, aggregate_read, aggregate_read_many
from civicloop.feedback import scoring
from civicloop.feedback.models import Answer, ProfileTarget, Question, Response, Survey, Theme
from civicloop.feedback.selectors.representativeness import (
    TargetCheck,
    WeightedScores,
    survey_target_checks,
)
from civicloop.feedback.selectors.results import (
    Distribution,
    score_distributions,
    scores_per_week,
)
from civicloop.feedback.selectors.scores import score_label, survey_scores
from civicloop.feedback.selectors.surveys import respondent_count
from civicloop.feedback.selectors.themes import theme_trends

SURVEY_KIND = "feedback.survey"
WEEKLY_KIND = "feedback.survey_weekly"
TREND_GROUPINGS = ("iteration", "variant", "month")


# --- computing ------------------------------------------------------------------------------


def survey_watermark(key: str) -> dict[str, Any]:
    """Numbers that move whenever a survey's figures may change (responses, themes, questions,
    target make-ups): a response erased lowers the count, one added raises the last id."""
    pk = int(str(key).split("@")[0])
    responses = Response.objects.filter(survey_id=pk).aggregate(n=Count("pk"), last=Max("pk"))
    themes = Theme.objects.filter(survey_id=pk).aggregate(n=Count("pk"), last=Max("updated_at"))
    questions = Question.objects.filter(survey_id=pk).aggregate(n=Count("pk"), last=Max("pk"))
    problem_id = Survey.objects.filter(pk=pk).values_list("problem_id", flat=True).first()
    targets: dict[str, Any] = {"n": 0, "last": None}
    if problem_id is not None:
        targets = ProfileTarget.objects.filter(target_group__problems=problem_id).aggregate(
            n=Count("pk"), last=Max("updated_at")
        )
    return {
        "responses": [responses["n"], responses["last"]],
        "themes": [themes["n"], _iso(themes["last"])],
        "questions": [questions["n"], questions["last"]],
        "targets": [targets["n"], _iso(targets["last"])],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def survey_size(key: str) -> int:
    return Response.objects.filter(survey_id=int(str(key).split("@")[0])).count()


def _check_dict(check: TargetCheck) -> dict[str, Any]:
    return {
        "target_group": check.target_group,
        "dimension": check.dimension,
        "representativeness": asdict(check.representativeness),
        "shares": check.weighted.shares,
        "rows": [[asdict(s), asdict(w)] for s, w in check.weighted.rows],
    }


def survey_summary_compute(key: str) -> dict[str, Any] | None:
    """Every figure of the survey page, as JSON; None when the survey is gone."""
    survey = Survey.objects.filter(pk=int(key)).first()
    if survey is None:
        return None
    comments = Answer.objects.filter(response__survey=survey)
    return {
        "n": respondent_count(survey=survey),
        "overall": [asdict(s) for s in survey_scores(survey=survey).get("all", [])],
        "targets": [_check_dict(c) for c in survey_target_checks(survey=survey)],
        "distributions": [
            {"question": d.question.pk, "counts": d.counts}
            for d in score_distributions(survey=survey)
        ],
        "trends": {by: theme_trends(survey=survey, by=by) for by in TREND_GROUPINGS},
        "comments": comments.filter(question__kind="text").exclude(text="").count(),
        "service_keys": sorted(
            set(
                Response.objects.filter(survey=survey)
                .exclude(service_key="")
                .values_list("service_key", flat=True)
                .distinct()
            )
        ),
    }


def survey_weekly_compute(key: str) -> list[Any] | None:
    """Weekly scores of a survey in one time zone; the key is "<survey id>@<zone>"."""
    pk, _, zone = key.partition("@")
    survey = Survey.objects.filter(pk=int(pk)).first()
    if survey is None:
        return None
    with timezone.override(zone or None):
        weeks = scores_per_week(survey=survey)
    return [[week.isoformat(), [asdict(s) for s in scores]] for week, scores in weeks.items()]


# --- reading --------------------------------------------------------------------------------


def _score(d: dict[str, Any]) -> scoring.Score:
    return scoring.Score(**{**d, "label": score_label(d["key"])})


def _weighted(d: dict[str, Any]) -> scoring.WeightedScore:
    return scoring.WeightedScore(**{**d, "label": score_label(d["key"])})


def _check(d: dict[str, Any]) -> TargetCheck:
    name, dimension = d["target_group"], d["dimension"]
    rows = [(_score(s), _weighted(w)) for s, w in d["rows"]]
    return TargetCheck(
        name,
        dimension,
        scoring.Representativeness(**d["representativeness"]),
        WeightedScores(name, dimension, d["shares"], rows),
    )


@dataclass(frozen=True)
class SurveySummary:
    """What the survey page shows, as computed at `computed_at` (None: being computed)."""

    computed_at: datetime | None
    stale: bool
    n: int | None
    overall: list[scoring.Score]
    targets: list[TargetCheck]
    distributions: list[Distribution]
    trends: dict[str, list[dict[str, Any]]]
    comments: int | None
    service_keys: list[str]

    @property
    def pending(self) -> bool:
        return self.computed_at is None


def _summary(survey: Survey, stored: Stored | None) -> SurveySummary:
    if stored is None:
        return SurveySummary(None, True, None, [], [], [], {}, None, [])
    p = stored.payload
    questions = {q.pk: q for q in survey.questions.all()}
    return SurveySummary(
        stored.computed_at,
        stored.stale,
        p["n"],
        [_score(s) for s in p["overall"]],
        [_check(c) for c in p["targets"]],
        [
            Distribution(questions[d["question"]], [(int(a), int(b)) for a, b in d["counts"]])
            for d in p["distributions"]
            if d["question"] in questions
        ],
        p["trends"],
        p["comments"],
        p["service_keys"],
    )


def survey_summary(*, survey: Survey) -> SurveySummary:
    """The survey's figures as last computed; checked against its inputs' watermark."""
    return _summary(survey, aggregate_read(SURVEY_KIND, survey.pk))


def survey_summaries(*, surveys: list[Survey]) -> dict[int, SurveySummary]:
    """Many surveys' figures in two queries (the lists' counts), trusting the versions and
    computing nothing (a list page's cost does not grow with its rows)."""
    prefetch_related_objects(surveys, "questions")
    stored = aggregate_read_many(SURVEY_KIND, [s.pk for s in surveys], compute=False)
    return {s.pk: _summary(s, stored[str(s.pk)]) for s in surveys}


def survey_weekly(*, survey: Survey) -> tuple[dict[date, list[scoring.Score]], Stored | None]:
    """Weekly scores in the active time zone, and when they were computed."""
    stored = aggregate_read(WEEKLY_KIND, f"{survey.pk}@{timezone.get_current_timezone_name()}")
    if stored is None:
        return {}, None
    weeks = {date.fromisoformat(w): [_score(s) for s in scores] for w, scores in stored.payload}
    return weeks, stored


def oldest_computed_at(summaries: Iterable[SurveySummary]) -> datetime | None:
    """When the oldest of these figures was computed (the list is at least that recent)."""
    return min((s.computed_at for s in summaries if s.computed_at is not None), default=None)


def survey_service_keys(*, surveys: list[Survey], summaries: dict[int, SurveySummary]) -> list[str]:
    """The service keys of these surveys and of their responses (as stored with the figures);
    the same list as `service_keys` for the viewer's surveys."""
    keys = {s.service_key for s in surveys if s.service_key}
    for summary in summaries.values():
        keys.update(summary.service_keys)
    return sorted(keys)
