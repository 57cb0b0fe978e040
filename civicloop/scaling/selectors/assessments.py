"""Reads of scalability assessments (ISAT) and their results."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from civicloop.core.permissions import Ability, Principal, require
from civicloop.scaling import assessment as isat
from civicloop.scaling.models import (
    ScalabilityAssessment,
)
from civicloop.scaling.selectors._common import one_or_404, problem_scope


def assessment_list(
    *, viewer: Principal, problem_id: int | None = None
) -> QuerySet[ScalabilityAssessment]:
    qs = ScalabilityAssessment.objects.filter(problem_scope(viewer)).select_related("problem")
    if problem_id is not None:
        qs = qs.filter(problem_id=problem_id)
    return qs.annotate(n_scores=Count("scores")).order_by("-created_at", "-pk")


def assessment_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_PORTFOLIO
) -> ScalabilityAssessment:
    return one_or_404(
        ScalabilityAssessment.objects.filter(problem_scope(viewer, ability)).select_related(
            "problem"
        ),
        pk,
    )


@dataclass(frozen=True)
class AssessmentResult:
    summaries: list[isat.DomainSummary]
    readiness: isat.Readiness
    assessors: list[str]
    rows: list  # AssessmentScore rows with assessor


def assessment_result(*, viewer: Principal, assessment: ScalabilityAssessment) -> AssessmentResult:
    """Mean and spread per domain, the readiness verdict, and every rating with its evidence."""
    require(viewer, Ability.VIEW_PORTFOLIO, assessment.problem)
    rows = list(assessment.scores.select_related("assessor").order_by("domain", "assessor__email"))
    triples = [(str(r.assessor_id), r.domain, r.score) for r in rows]
    names = sorted({r.assessor.display_name for r in rows})
    return AssessmentResult(isat.summarise(triples), isat.readiness(triples), names, rows)
