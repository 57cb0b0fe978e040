"""Awards: the decision with its rationale, and feedback to the unsuccessful."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civicloop.core.http import InputSchema, require_write
from civicloop.core.permissions import Ability
from civicloop.market import selectors, services
from civicloop.market.api._common import TextIn, challenge_phase
from civicloop.market.api.challenges import PhaseOut

router = Router()


class AwardIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    rationale: str = Field(..., min_length=1)
    override_reason: str = Field(
        "",
        max_length=2000,
        description="Needed (at least 20 characters, audited) to award beyond the phase's "
        "budget or its number of awards.",
    )


class AwardOut(Schema):
    id: int
    proposal_id: int
    amount: Decimal
    currency: str
    rationale: str
    override_reason: str
    decided_at: datetime


class PhaseCloseIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


class VendorFeedbackOut(Schema):
    id: int
    proposal_id: int


@router.post(
    "/market/proposals/{proposal_id}/award",
    response={201: AwardOut},
    summary="Award",
    description="Awards a proposal of its phase while the challenge is under evaluation. The "
    "phase's awards may not exceed its budget or its number of awards unless `override_reason` "
    "says why (audited). The challenge becomes awarded once every phase has made its awards or "
    "was closed.",
)
def award_proposal(request: HttpRequest, proposal_id: int, payload: AwardIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    return Status(
        201,
        services.award_decide(
            actor=actor,
            proposal=proposal,
            amount=payload.amount,
            rationale=payload.rationale,
            override_reason=payload.override_reason,
        ),
    )


@router.post(
    "/market/challenges/{challenge_id}/phases/{kind}/close",
    response=PhaseOut,
    summary="Close a phase without further awards",
    description="For a phase that will make no (more) awards, e.g. a pilot that will not run; "
    "the reason is public. The challenge becomes awarded once every phase is settled. `kind` "
    "is feasibility, prototype or pilot (422 naming `phase` for a kind the challenge lacks).",
)
def close_challenge_phase(
    request: HttpRequest, challenge_id: int, kind: str, payload: PhaseCloseIn
):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    phase = challenge_phase(challenge, kind)
    return services.phase_close(actor=actor, phase=phase, reason=payload.reason)


@router.post(
    "/market/proposals/{proposal_id}/feedback",
    response={201: VendorFeedbackOut},
    summary="Feedback to an unsuccessful vendor",
)
def send_proposal_feedback(request: HttpRequest, proposal_id: int, payload: TextIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    record = services.feedback_send(actor=actor, proposal=proposal, text=payload.text)
    return Status(201, record)
