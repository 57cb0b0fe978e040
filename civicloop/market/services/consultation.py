"""Consultation: the request for information and public, anonymous clarification Q&A."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import Challenge, ChallengeStatus, Question, RfiResponse
from civicloop.market.selectors.consultation import rfi_response_list
from civicloop.market.services._common import public_or_404


@transaction.atomic
def rfi_respond(
    *, actor: Principal, challenge: Challenge, vendor: Organization, text: str
) -> RfiResponse:
    """A company answers the request for information while the challenge is in consultation."""
    public_or_404(challenge)
    require(actor, Ability.ACT_FOR_COMPANY, vendor)
    if challenge.status != ChallengeStatus.CONSULTATION:
        raise ValidationError({"text": _("The request for information is closed.")})
    if len(text.strip()) < 20:
        raise ValidationError({"text": _("Write at least 20 characters.")})
    response = RfiResponse.objects.create(
        challenge=challenge, vendor=vendor, author=actor.person, text=text.strip()
    )
    audit_record(
        actor=actor, action=MarketEvent.RFI_RESPONDED, obj=response, organization=challenge.unit_id
    )
    return response


@transaction.atomic
def question_ask(
    *, actor: Principal, challenge: Challenge, vendor: Organization, text: str
) -> Question:
    """Any registered company asks a clarification question; the answer is public."""
    public_or_404(challenge)
    require(actor, Ability.ACT_FOR_COMPANY, vendor)
    if challenge.status not in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN):
        raise ValidationError({"text": _("Questions are closed for this challenge.")})
    if len(text.strip()) < 10:
        raise ValidationError({"text": _("Write a question of at least 10 characters.")})
    question = Question.objects.create(
        challenge=challenge, asked_by_org=vendor, asked_by=actor.person, text=text.strip()
    )
    audit_record(
        actor=actor, action=MarketEvent.QUESTION_ASKED, obj=question, organization=challenge.unit_id
    )
    return question


@transaction.atomic
def question_answer(*, actor: Principal, question: Question, answer: str) -> Question:
    """The unit answers; everybody sees question and answer, nobody sees who asked."""
    require(actor, Ability.MANAGE_MARKET, question.challenge.unit_id)
    if len(answer.strip()) < 5:
        raise ValidationError({"answer": _("Write an answer of at least 5 characters.")})
    question.answer = answer.strip()
    question.answered_at = timezone.now()
    question.answered_by = actor.person
    question.save()
    audit_record(
        actor=actor,
        action=MarketEvent.QUESTION_ANSWERED,
        obj=question,
        organization=question.challenge.unit_id,
        after={"answer": question.answer},
    )
    return question


@transaction.atomic
def rfi_export(*, actor: Principal, challenge: Challenge, fmt: str) -> list[dict[str, Any]]:
    """The request-for-information answers of a challenge as export rows; audited."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    rows = rfi_response_list(viewer=actor, challenge=challenge)
    audit_record(
        actor=actor,
        action=MarketEvent.RFI_EXPORTED,
        obj=challenge,
        organization=challenge.unit_id,
        metadata={"format": fmt, "rows": len(rows)},
    )
    return [
        {
            "id": r.id,
            "vendor_id": r.vendor_id,
            "vendor": r.vendor_name,
            "received_at": r.received_at.isoformat(),
            "text": r.text,
        }
        for r in rows
    ]
