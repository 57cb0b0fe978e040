"""Consultation: clarification questions (published anonymously with their answers) and the
request for information."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, MappedRows, Pagination, principal, require_write
from civicloop.core.permissions import Ability
from civicloop.market import selectors, services
from civicloop.market.api._common import TextIn, acting_company
from civicloop.market.api.challenges import QaOut

router = Router()


class AnswerIn(InputSchema):
    answer: str = Field(..., min_length=1, max_length=20000)


class RfiResponseOut(Schema):
    id: int


@router.post(
    "/market/challenges/{challenge_id}/questions",
    response={201: QaOut},
    summary="Ask a clarification question (published anonymously with its answer)",
)
def ask_question(request: HttpRequest, challenge_id: int, payload: TextIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    q = services.question_ask(
        actor=actor, challenge=challenge, vendor=acting_company(request, None), text=payload.text
    )
    return Status(201, {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": None})


@router.post("/market/questions/{question_id}/answer", response=QaOut, summary="Answer")
def answer_question(request: HttpRequest, question_id: int, payload: AnswerIn):
    actor = require_write(request)
    question = selectors.question_get_managed(viewer=actor, pk=question_id)
    q = services.question_answer(actor=actor, question=question, answer=payload.answer)
    return {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": q.answered_at}


@router.post(
    "/market/challenges/{challenge_id}/rfi",
    response={201: RfiResponseOut},
    summary="Answer the request for information",
)
def create_rfi_response(request: HttpRequest, challenge_id: int, payload: TextIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    response = services.rfi_respond(
        actor=actor, challenge=challenge, vendor=acting_company(request, None), text=payload.text
    )
    return Status(201, response)


class RfiResponseRowOut(Schema):
    id: int
    vendor_id: int
    vendor_name: str
    text: str
    received_at: datetime


@router.get(
    "/market/challenges/{challenge_id}/rfi-responses",
    response=list[RfiResponseRowOut],
    summary="Answers to the request for information",
    description="The companies' answers to a challenge's request for information, oldest first, "
    "for the unit that manages the challenge (404 for anyone else).",
)
@paginate(Pagination)
def list_rfi_responses(request: HttpRequest, challenge_id: int):
    viewer = principal(request)
    challenge = selectors.challenge_get(
        viewer=viewer, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    return MappedRows(
        selectors.rfi_response_rows(viewer=viewer, challenge=challenge),
        lambda rows: [selectors.rfi_response_row(r) for r in rows],
    )
