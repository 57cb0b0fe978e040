"""Consultation: public Q&A (never who asked), the questions a unit has still to answer, and
the companies' answers to the request for information (for the unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import Challenge, Question, RfiResponse


def question_list_public(*, challenge: Challenge) -> list[dict[str, Any]]:
    """Answered questions without any trace of who asked."""
    return [
        {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": q.answered_at}
        for q in Question.objects.filter(challenge=challenge).exclude(answer="").order_by("pk")
    ]


def question_list_unanswered(*, viewer: Principal, challenge: Challenge) -> QuerySet[Question]:
    """Questions of a challenge awaiting an answer, for the unit that manages it."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        return Question.objects.none()
    return Question.objects.filter(challenge=challenge, answer="").order_by("pk")


def question_get_managed(
    *, viewer: Principal, pk: int, challenge: Challenge | None = None
) -> Question:
    """A question the viewer's unit may answer (of `challenge`, when given); 404 otherwise."""
    questions = Question.objects.select_related("challenge").filter(
        pk=pk, challenge__unit_id__in=sorted(viewer.units_with(Ability.MANAGE_MARKET))
    )
    if challenge is not None:
        questions = questions.filter(challenge=challenge)
    question = questions.first()
    if question is None:
        raise Http404("Not found")
    return question


@dataclass(frozen=True)
class RfiResponseRow:
    id: int
    vendor_id: int
    vendor_name: str
    text: str
    received_at: datetime


def rfi_response_rows(*, viewer: Principal, challenge: Challenge) -> QuerySet[RfiResponse]:
    """The answers companies sent to a challenge's request for information, oldest first, for
    the unit that manages it (none for anyone else: the companies answered the unit)."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        return RfiResponse.objects.none()
    return RfiResponse.objects.filter(challenge=challenge).select_related("vendor").order_by("pk")


def rfi_response_row(r: RfiResponse) -> RfiResponseRow:
    return RfiResponseRow(r.pk, r.vendor_id, r.vendor.name, r.text, r.created_at)


def rfi_response_list(*, viewer: Principal, challenge: Challenge) -> list[RfiResponseRow]:
    """`rfi_response_rows` as rows (for the export)."""
    return [rfi_response_row(r) for r in rfi_response_rows(viewer=viewer, challenge=challenge)]
