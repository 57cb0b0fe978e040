"""Reads of the lessons archive, closed problems and decided iterations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.portfolio.models import CLOSED_STAGES, Problem
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


def closed_problem_list(*, viewer: Principal, query: str = "") -> QuerySet[Problem]:
    qs = Problem.objects.filter(
        scope_q(
            viewer, Ability.VIEW_PORTFOLIO, unit_field="unit_id", agency_field="owner_agency_id"
        ),
        stage__in=list(CLOSED_STAGES),
    ).annotate(n_lessons=Count("lessons"))
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word) | Q(statement__icontains=word) | Q(causes__icontains=word)
        )
    return qs.order_by("-updated_at")


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
    try:
        from civicloop.experiments import selectors as experiments_selectors
    except ImportError:
        return []
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
