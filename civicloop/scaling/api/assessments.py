"""Scaling API: scalability assessments (ISAT)."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.core.models import Person
from civicloop.core.permissions import Ability, Principal
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors, services
from civicloop.scaling.models import Domain, ScalabilityAssessment

router = Router()


DomainName = Literal[
    "problem",
    "intervention",
    "context",
    "effectiveness",
    "costs",
    "fidelity",
    "reach",
    "workforce",
    "infrastructure",
    "sustainability",
]
assert set(DomainName.__args__) == set(Domain.values)  # type: ignore[attr-defined]  # noqa: S101


class AssessmentIn(InputSchema):
    problem_id: int
    title: str = Field(..., min_length=1, max_length=200)
    scope: str = ""


class AssessmentOut(Schema):
    id: int
    problem_id: int
    title: str
    scope: str
    created_at: datetime


class ScoreIn(InputSchema):
    domain: DomainName
    score: int = Field(..., ge=1, le=5)
    evidence: str = Field(..., min_length=1)
    notes: str = ""


class ScalabilityDomainOut(Schema):
    domain: DomainName
    n: int = Field(..., description="Assessors who rated the domain.")
    mean: float | None = Field(..., description="Mean rating, 1 (weak) to 5 (strong).")
    sd: float | None = Field(..., description="Standard deviation of the ratings (points).")
    low: int | None = Field(..., description="Lowest rating, 1-5.")
    high: int | None = Field(..., description="Highest rating, 1-5.")


class ReadinessReasonOut(Schema):
    code: str = Field(
        ...,
        description="too_few_assessors, mean_below, all_strong or effectiveness_below "
        "(stable codes).",
    )
    params: dict[str, Any] = Field(
        ..., description="The numbers and domain codes in the reason, never words."
    )


class ScalabilityReadinessOut(Schema):
    verdict: Literal["incomplete", "not_ready", "conditional", "ready"]
    weak_domains: list[str] = Field(..., description="Domains whose mean is below the bar.")
    disputed_domains: list[str] = Field(
        ..., description="Domains on which assessors disagree widely."
    )
    reasons: list[str] = Field(..., description="The reasons for the verdict, in English.")
    reason_codes: list[ReadinessReasonOut]


class ScalabilityRatingOut(Schema):
    domain: DomainName
    assessor: str = Field(..., description="The assessor's display name.")
    score: int = Field(..., description="1 (weak) to 5 (strong).")
    evidence: str = Field(..., description="The evidence cited for the rating.")
    notes: str


class ScalabilityResultOut(Schema):
    """Per-domain mean and spread, every rating with its evidence, and the readiness verdict."""

    id: int
    problem_id: int
    title: str
    domains: list[ScalabilityDomainOut]
    readiness: ScalabilityReadinessOut
    scores: list[ScalabilityRatingOut]


def _assessment_dict(viewer: Principal, assessment: ScalabilityAssessment) -> dict[str, Any]:
    result = selectors.assessment_result(viewer=viewer, assessment=assessment)
    r = result.readiness
    return {
        "id": assessment.pk,
        "problem_id": assessment.problem_id,
        "title": assessment.title,
        "domains": [s.__dict__ for s in result.summaries],
        "readiness": {
            "verdict": r.verdict,
            "weak_domains": r.weak_domains,
            "disputed_domains": r.disputed_domains,
            "reasons": r.reasons,
            "reason_codes": [{"code": c.code, "params": dict(c.params)} for c in r.reason_codes],
        },
        "scores": [
            {
                "domain": s.domain,
                "assessor": s.assessor.display_name,
                "score": s.score,
                "evidence": s.evidence,
                "notes": s.notes,
            }
            for s in result.rows
        ],
    }


@router.get("/scaling/assessments", response=list[AssessmentOut])
@paginate(Pagination)
def list_scalability_assessments(request: HttpRequest, problem_id: ObjectId | None = None):
    return selectors.assessment_list(viewer=principal(request), problem_id=problem_id)


@router.post("/scaling/assessments", response={201: AssessmentOut})
def create_scalability_assessment(request: HttpRequest, payload: AssessmentIn):
    actor = require_write(request)
    problem = portfolio_selectors.problem_get(
        viewer=actor, pk=payload.problem_id, ability=Ability.EDIT_SCALING
    )
    return Status(
        201,
        services.assessment_create(
            actor=actor, problem=problem, title=payload.title, scope=payload.scope
        ),
    )


@router.get("/scaling/assessments/{pk}", response=ScalabilityResultOut)
def get_scalability_assessment(request: HttpRequest, pk: int):
    """Per-domain mean and spread, every rating with its evidence, and the readiness verdict."""
    viewer = principal(request)
    return _assessment_dict(viewer, selectors.assessment_get(viewer=viewer, pk=pk))


@router.post("/scaling/assessments/{pk}/scores", response={201: ScalabilityResultOut})
def score_scalability_assessment(request: HttpRequest, pk: int, payload: ScoreIn):
    """Rate a domain as the signed-in person (API keys cannot rate: an assessor is a person)."""
    actor = require_write(request)
    row = selectors.assessment_get(viewer=actor, pk=pk, ability=Ability.ASSESS_SCALABILITY)
    if not isinstance(actor.person, Person):
        raise PermissionError("Ratings are made by a signed-in person, not an API key.")
    services.assessment_score(actor=actor, assessment=row, assessor=actor.person, **payload.dict())
    return Status(201, _assessment_dict(actor, row))
