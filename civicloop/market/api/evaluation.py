"""Evaluation: conflict declarations, justified scores, the ranking and divergent scores."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from civicloop.core.http import InputSchema, principal, require_write
from civicloop.market import selectors, services

router = Router()


class DeclarationIn(InputSchema):
    has_conflict: bool
    note: str = ""


class ConflictDeclarationOut(Schema):
    id: int
    proposal_id: int
    has_conflict: bool


class ProposalScoreIn(InputSchema):
    criterion_id: int
    score: int
    justification: str


class ProposalScoreOut(Schema):
    id: int
    criterion_id: int
    score: int
    justification: str


class RankingOut(Schema):
    proposal_id: int
    code: str
    vendor_name: str
    phase: str
    weighted_score: float | None = Field(
        ..., description="0–100; null until every criterion has a score (never ranked as 0)."
    )
    criterion_means: dict[str, float]
    evaluators: int
    status: str
    criteria_scored: int
    criteria_total: int
    flag: str = Field(..., description="Why there is no weighted score yet; empty otherwise.")


class DivergenceOut(Schema):
    proposal_code: str
    criterion: str
    scores: list[int]
    spread: int
    max_score: int
    divergent: bool


@router.post(
    "/market/proposals/{proposal_id}/declaration",
    response={201: ConflictDeclarationOut},
    summary="Declare a conflict of interest (or none) before scoring",
)
def declare_conflict(request: HttpRequest, proposal_id: int, payload: DeclarationIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    declaration = services.conflict_declare(
        actor=actor, proposal=proposal, has_conflict=payload.has_conflict, note=payload.note
    )
    return Status(201, declaration)


@router.post(
    "/market/proposals/{proposal_id}/scores",
    response={201: ProposalScoreOut},
    summary="Score one criterion with a justification",
)
def score_proposal(request: HttpRequest, proposal_id: int, payload: ProposalScoreIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    criterion = proposal.challenge.criteria.filter(pk=payload.criterion_id).first()
    if criterion is None:
        raise ValidationError({"criterion_id": _("No such criterion in this challenge.")})
    record = services.score_record(
        actor=actor,
        proposal=proposal,
        criterion=criterion,
        score=payload.score,
        justification=payload.justification,
    )
    return Status(201, record)


@router.get(
    "/market/challenges/{challenge_id}/ranking",
    response=list[RankingOut],
    summary="Weighted ranking (after the deadline)",
)
def get_challenge_ranking(request: HttpRequest, challenge_id: int):
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=challenge_id)
    return selectors.ranking(viewer=viewer, challenge=challenge)


@router.get(
    "/market/challenges/{challenge_id}/moderation",
    response=list[DivergenceOut],
    summary="Divergent scores for moderation",
)
def get_challenge_moderation(request: HttpRequest, challenge_id: int):
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=challenge_id)
    return selectors.moderation(viewer=viewer, challenge=challenge)
