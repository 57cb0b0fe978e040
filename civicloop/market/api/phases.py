"""Phases with their budgets, and the weighted evaluation criteria of a challenge."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Status

from civicloop.core.http import InputSchema, require_write
from civicloop.core.permissions import Ability
from civicloop.market import selectors, services
from civicloop.market.api._common import PhaseName, challenge_phase
from civicloop.market.api.challenges import CriterionOut, PhaseOut

router = Router()


class PhaseIn(InputSchema):
    kind: PhaseName
    budget: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    awards_count: int = Field(1, ge=1, le=100)
    starts_on: date | None = None
    ends_on: date | None = None


class CriterionIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    weight: int = Field(..., ge=1, le=100)
    max_score: int = Field(10, ge=1, le=100)
    description: str = ""


class CriteriaIn(InputSchema):
    phase: PhaseName | None = Field(None, description="Criteria of one phase (else challenge-wide)")
    criteria: list[CriterionIn] = Field(..., min_length=1)


@router.post(
    "/market/challenges/{challenge_id}/phases", response={201: PhaseOut}, summary="Set a phase"
)
def set_challenge_phase(request: HttpRequest, challenge_id: int, payload: PhaseIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    return Status(201, services.phase_set(actor=actor, challenge=challenge, **payload.dict()))


@router.put(
    "/market/challenges/{challenge_id}/criteria",
    response=list[CriterionOut],
    summary="Replace weighted criteria (weights sum to 100)",
)
def set_challenge_criteria(request: HttpRequest, challenge_id: int, payload: CriteriaIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    phase = challenge_phase(challenge, payload.phase) if payload.phase else None
    specs = [services.CriterionSpec(**c.dict()) for c in payload.criteria]
    return services.criteria_set(actor=actor, challenge=challenge, criteria=specs, phase=phase)
