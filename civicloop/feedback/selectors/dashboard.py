"""Dashboards: the summary the experiments app shows on an iteration, and a service's page."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Principal
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Iteration
from civicloop.feedback import scoring
from civicloop.feedback.models import Answer, Response, Survey
from civicloop.feedback.selectors.scores import answer_rows, group_value, scores_from_rows
from civicloop.feedback.selectors.surveys import visible_surveys
from civicloop.feedback.selectors.themes import ThemeSummary, theme_summaries


@dataclass(frozen=True)
class FeedbackSummary:
    iteration_key: str
    variant: str | None
    n: int  # responses
    scores: list[scoring.Score]
    themes: list[ThemeSummary]
    comments: int
    sentiment: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iteration_key": self.iteration_key,
            "variant": self.variant,
            "n": self.n,
            "comments": self.comments,
            "sentiment": self.sentiment,
            "scores": [s.to_dict() for s in self.scores],
            "themes": [t.__dict__ for t in self.themes],
        }


def _summary(responses: QuerySet[Response], key: str, variant: str | None) -> FeedbackSummary:
    if variant is not None:
        responses = responses.filter(variant=variant)
    answers = Answer.objects.filter(response__in=responses)
    scores = scores_from_rows(answer_rows(answers))
    themes, n_comments = theme_summaries(answers)
    moods = Counter(answers.exclude(sentiment_label="").values_list("sentiment_label", flat=True))
    return FeedbackSummary(key, variant, responses.count(), scores, themes, n_comments, dict(moods))


def iteration_feedback(
    *, viewer: Principal, iteration: Iteration, variant: str | None = None
) -> FeedbackSummary:
    """Scores with intervals, top themes with sizes and quotes, and n for one iteration.

    Only responses linked to this iteration by foreign key, in surveys of the iteration's own
    unit that the viewer may read: another organisation's service of the same name never counts.
    """
    return iteration_feedback_in(visible_surveys(viewer), iteration, variant)


def iteration_feedback_in(
    surveys: QuerySet[Survey], iteration: Iteration, variant: str | None = None
) -> FeedbackSummary:
    """`iteration_feedback` over the given surveys (the viewer's, or a stored scope's)."""
    responses = Response.objects.filter(
        iteration=iteration, survey__unit_id=iteration.service.unit_id, survey__in=surveys
    )
    return _summary(responses, experiments_selectors.iteration_tag(iteration), variant)


def iteration_feedback_summary(
    *, viewer: Principal, iteration: Iteration, stored: bool = False
) -> dict[str, Any] | None:
    """The JSON summary the experiments app shows and a decision stores; None with no response.

    With `stored` (the iteration page) it is read from the figures stored for the viewer's
    scope (ADR 0019), with `computed_at` and `stale`; a decision computes it directly.
    Registered with `experiments.selectors.iteration_feedback_register` (apps.py): experiments
    is upstream of feedback and does not import it.
    """
    if stored:
        from civicloop.feedback.selectors.dashboard_store import iteration_feedback_stored

        return iteration_feedback_stored(viewer=viewer, iteration=iteration)
    summary = iteration_feedback(viewer=viewer, iteration=iteration)
    return summary.to_dict() if summary.n else None


def feedback_summary_for(
    *,
    viewer: Principal,
    iteration_key: str,
    variant: str | None = None,
    service_key: str | None = None,
) -> FeedbackSummary:
    """The summary of the responses tagged `iteration_key` in surveys the viewer may read.

    For the service dashboard, which groups a unit's own responses by the tags its pages send;
    an experiments iteration is read by foreign key with `iteration_feedback`.
    """
    if not iteration_key:
        raise ValueError("iteration_key: give the iteration's key")
    return _summary_for(visible_surveys(viewer), iteration_key, variant, service_key)


def _summary_for(
    surveys: QuerySet[Survey], iteration_key: str, variant: str | None, service_key: str | None
) -> FeedbackSummary:
    responses = Response.objects.filter(iteration_key=iteration_key, survey__in=surveys)
    if service_key:
        responses = responses.filter(service_key=service_key)
    return _summary(responses, iteration_key, variant)


# --- service dashboard ------------------------------------------------------------------------


def service_keys(*, viewer: Principal) -> list[str]:
    surveys = visible_surveys(viewer)
    keys = set(
        Response.objects.filter(survey__in=surveys)
        .exclude(service_key="")
        .values_list("service_key", flat=True)
        .distinct()
    )
    keys |= set(surveys.exclude(service_key="").values_list("service_key", flat=True))
    return sorted(keys)


@dataclass(frozen=True)
class ServiceDashboard:
    service_key: str
    n: int
    over_time: dict[str, list[scoring.Score]]  # month -> scores
    iterations: list[FeedbackSummary]
    themes: list[ThemeSummary]
    comments: int


def service_dashboard(*, viewer: Principal, service_key: str) -> ServiceDashboard:
    """Scores per month with intervals, themes and quotes, and one panel per iteration."""
    dashboard = service_dashboard_in(visible_surveys(viewer), service_key)
    if dashboard is None:
        raise Http404("Not found")
    return dashboard


def service_dashboard_in(surveys: QuerySet[Survey], service_key: str) -> ServiceDashboard | None:
    """`service_dashboard` over the given surveys; None when none of them knows the service."""
    responses = Response.objects.filter(service_key=service_key, survey__in=surveys)
    n = responses.count()
    if n == 0 and not surveys.filter(service_key=service_key).exists():
        return None
    answers = Answer.objects.filter(response__in=responses)
    over_time: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in answer_rows(answers):
        over_time[group_value(row, "month")].append(row)
    themes, n_comments = theme_summaries(answers, limit=8)
    iteration_keys = sorted(
        set(responses.exclude(iteration_key="").values_list("iteration_key", flat=True))
    )
    panels = [_summary_for(surveys, k, None, service_key) for k in iteration_keys]
    return ServiceDashboard(
        service_key,
        n,
        {m: scores_from_rows(r) for m, r in sorted(over_time.items())},
        panels,
        themes,
        n_comments,
    )
