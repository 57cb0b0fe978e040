"""Reads of the lessons archive, closed problems and decided iterations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.experiments import selectors as experiments_selectors
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import CLOSED_STAGES
from civicloop.scaling.models import (
    Lesson,
)


def lesson_search(
    *, viewer: Principal, query: str = "", outcome: str | None = None
) -> QuerySet[Lesson]:
    """Lessons matching every word of `query` in any text field (icontains: portable SQL)."""
    qs = Lesson.objects.filter(
        scope_q(
            viewer,
            Ability.VIEW_PORTFOLIO,
            unit_field="unit_id",
            agency_field="problem__owner_agency_id",
        )
    ).select_related("problem")
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(what_we_learnt__icontains=word)
            | Q(context__icontains=word)
            | Q(tags__icontains=word)
            | Q(iteration_label__icontains=word)
            | Q(problem__title__icontains=word)
            | Q(problem__statement__icontains=word)
        )
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-created_at")


@dataclass(frozen=True)
class ClosedProblem:
    """A closed problem (scaled or stopped) and how many lessons it left."""

    title: str
    stage: str
    n_lessons: int


# The archive shows this many closed problems and decided iterations, newest first; a search
# narrows to older ones. The lists grow for years, so the page never loads all of them.
ARCHIVE_SHOWN = 50


def closed_problem_list(
    *, viewer: Principal, query: str = "", limit: int = ARCHIVE_SHOWN
) -> list[ClosedProblem]:
    """Closed problems the viewer may see whose title, statement or causes hold every word of
    `query`, most recently updated first, at most `limit` of them."""
    problems = portfolio_selectors.problem_search(
        viewer=viewer, stages=CLOSED_STAGES, query=query
    ).annotate(n_lessons=Count("lessons"))[:limit]
    return [ClosedProblem(p.title, p.stage, p.n_lessons) for p in problems]


@dataclass(frozen=True)
class IterationLesson:
    service: str
    iteration: str
    decision: str  # iterate | pivot | scale | stop
    rationale: str
    hypothesis: str
    decided_at: datetime


def iteration_lessons(
    *, viewer: Principal, query: str = "", limit: int = ARCHIVE_SHOWN
) -> list[IterationLesson]:
    """Decided iterations from the experiments app (its decision log) matching every word,
    newest first, at most `limit` of them."""
    return [
        IterationLesson(
            d.iteration.service.name,
            f"#{d.iteration.number} {d.iteration.title}",
            d.kind,
            d.rationale,
            d.iteration.hypothesis,
            d.decided_at,
        )
        for d in experiments_selectors.decision_search(viewer=viewer, query=query)[:limit]
    ]
