"""Awards: the decision with its rationale, and feedback to the unsuccessful."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from civicloop.core.http import InputSchema, require_write
from civicloop.market import selectors, services
from civicloop.market.api._common import TextIn

router = Router()


class AwardIn(InputSchema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    rationale: str = Field(..., min_length=1)


class AwardOut(Schema):
    id: int
    proposal_id: int
    amount: Decimal
    currency: str
    rationale: str
    decided_at: datetime


class VendorFeedbackOut(Schema):
    id: int
    proposal_id: int


@router.post("/market/proposals/{proposal_id}/award", response={201: AwardOut}, summary="Award")
def award_proposal(request: HttpRequest, proposal_id: int, payload: AwardIn):
    actor = require_write(request)
    proposal = selectors.proposal_get(viewer=actor, pk=proposal_id)
    return Status(
        201,
        services.award_decide(
            actor=actor, proposal=proposal, amount=payload.amount, rationale=payload.rationale
        ),
    )


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
