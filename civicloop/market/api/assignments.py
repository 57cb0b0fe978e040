"""Evaluator assignments of a challenge: list, assign (to the challenge or one proposal), remove."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from civicloop.core.http import InputSchema, ObjectId, principal, require_write
from civicloop.core.permissions import Ability, Principal
from civicloop.market import selectors, services
from civicloop.market.models import Challenge, EvaluatorAssignment

router = Router()


class EvaluatorAssignIn(InputSchema):
    evaluator_id: ObjectId = Field(
        ..., description="A person holding the evaluator role in the challenge's unit."
    )
    proposal_id: ObjectId | None = Field(
        None, description="One proposal of the challenge; omitted: the whole challenge."
    )


class EvaluatorAssignmentOut(Schema):
    id: int
    challenge_id: int
    evaluator_id: int
    evaluator_name: str
    proposal_id: int | None
    proposal_code: str | None
    created_at: datetime

    @staticmethod
    def resolve_evaluator_name(obj: EvaluatorAssignment) -> str:
        return str(obj.evaluator)

    @staticmethod
    def resolve_proposal_code(obj: EvaluatorAssignment) -> str | None:
        return obj.proposal.code if obj.proposal is not None else None


def _managed(viewer: Principal, challenge_id: int) -> Challenge:
    return selectors.challenge_get(viewer=viewer, pk=challenge_id, ability=Ability.MANAGE_MARKET)


@router.get(
    "/market/challenges/{challenge_id}/evaluators",
    response=list[EvaluatorAssignmentOut],
    summary="Evaluators assigned to a challenge and its proposals (unit staff)",
)
def list_challenge_evaluators(request: HttpRequest, challenge_id: ObjectId):
    viewer = principal(request)
    challenge = selectors.challenge_get(
        viewer=viewer, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    return list(selectors.evaluator_assignment_list(viewer=viewer, challenge=challenge))


@router.post(
    "/market/challenges/{challenge_id}/evaluators",
    response={201: EvaluatorAssignmentOut},
    summary="Assign an evaluator to a challenge or to one of its proposals",
)
def assign_challenge_evaluator(
    request: HttpRequest, challenge_id: ObjectId, payload: EvaluatorAssignIn
):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    evaluator = (
        selectors.evaluator_candidates(viewer=actor, challenge=challenge)
        .filter(pk=payload.evaluator_id)
        .first()
    )
    if evaluator is None:
        raise ValidationError(
            {"evaluator_id": _("Choose a person who holds the evaluator role in this unit.")}
        )
    proposal = (
        selectors.proposal_get(viewer=actor, pk=payload.proposal_id)
        if payload.proposal_id
        else None
    )
    assignment = services.evaluator_assign(
        actor=actor, challenge=challenge, evaluator=evaluator, proposal=proposal
    )
    return Status(201, assignment)


@router.delete(
    "/market/challenges/{challenge_id}/evaluators/{assignment_id}",
    response={204: None},
    summary="Remove an evaluator's assignment",
)
def unassign_challenge_evaluator(
    request: HttpRequest, challenge_id: ObjectId, assignment_id: ObjectId
):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    assignment = selectors.evaluator_assignment_get(
        viewer=actor, challenge=challenge, pk=assignment_id
    )
    services.evaluator_unassign(actor=actor, assignment=assignment)
    return Status(204, None)
