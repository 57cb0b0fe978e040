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


def closed_problem_list(*, viewer: Principal, query: str = "") -> list[ClosedProblem]:
    """Closed problems the viewer may see whose title, statement or causes hold every word of
    `query`, most recently updated first."""
    words = [w.lower() for w in query.split()[:8]]
    problems = [
        p
        for p in portfolio_selectors.problem_list(
            viewer=viewer, filters=portfolio_selectors.ProblemFilters(sort="updated")
        )
        if p.stage in CLOSED_STAGES
        and all(w in "\n".join([p.title, p.statement, p.causes]).lower() for w in words)
    ]
    counts = dict(
        Lesson.objects.filter(problem_id__in=[p.pk for p in problems])
        .values_list("problem_id")
        .annotate(n=Count("pk"))
    )
    return [ClosedProblem(p.title, p.stage, counts.get(p.pk, 0)) for p in problems]


@dataclass(frozen=True)
class IterationLesson:
    service: str
    iteration: str
    decision: str  # iterate | pivot | scale | stop
    rationale: str
    hypothesis: str
    decided_at: datetime


def iteration_lessons(*, viewer: Principal, query: str = "") -> list[IterationLesson]:
    """Decided iterations from the experiments app (its decision log), matching every word."""
    words = [w.lower() for w in query.split()[:8]]
    out = []
    services = experiments_selectors.service_list(viewer=viewer).prefetch_related(
        "iterations__decision"
    )
    for service in services:
        for iteration in service.iterations.all():
            decision = getattr(iteration, "decision", None)
            if decision is None:
                continue
            text = " ".join(
                [
                    service.name,
                    iteration.title,
                    iteration.what_changes,
                    iteration.hypothesis,
                    decision.rationale,
                ]
            ).lower()
            if all(w in text for w in words):
                out.append(
                    IterationLesson(
                        service.name,
                        f"#{iteration.number} {iteration.title}",
                        decision.kind,
                        decision.rationale,
                        iteration.hypothesis,
                        decision.decided_at,
                    )
                )
    return sorted(out, key=lambda x: x.decided_at, reverse=True)
