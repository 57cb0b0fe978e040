"""Challenges: the public list, drafting, changing (logged once public), status, re-publication."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    ObjectId,
    Pagination,
    PatchSchema,
    principal,
    require_write,
)
from civicloop.core.permissions import Ability, acting_unit
from civicloop.market import selectors, services
from civicloop.market.api._common import StatusName
from civicloop.market.models import ChangeLogEntry, Criterion, Phase
from civicloop.portfolio.selectors import problem_get

router = Router()


class PhaseOut(Schema):
    id: int
    kind: str
    budget: Decimal
    awards_count: int
    starts_on: date | None
    ends_on: date | None
    closed_at: datetime | None = Field(
        None, description="When the phase was closed without (further) awards."
    )
    close_reason: str = Field("", description="Why the phase was closed (public).")


class PublicAwardOut(Schema):
    vendor_name: str
    phase: str
    amount: Decimal
    currency: str
    rationale: str
    decided_at: datetime


class CriterionOut(Schema):
    id: int
    phase_id: int | None
    name: str
    description: str
    weight: int
    max_score: int


class ChangeOut(Schema):
    field: str
    before: str
    after: str
    reason: str
    created_at: datetime


class QaOut(Schema):
    id: int
    question: str
    answer: str
    answered_at: datetime | None


class ChallengeOut(Schema):
    id: int
    unit_id: int
    problem_id: int | None
    title: str
    summary: str
    context: str
    users_affected: str
    outcomes_sought: str
    constraints: str
    data_available: str
    eligibility: str
    ip_terms: str
    timeline: str
    currency: str
    status: str
    anonymous_evaluation: bool
    consultation_closes_at: datetime | None
    submission_deadline: datetime | None
    published_at: datetime | None
    proposal_count: int
    phases: list[PhaseOut]
    criteria: list[CriterionOut]
    changes: list[ChangeOut]
    questions: list[QaOut]
    awards: list[PublicAwardOut] = Field(
        ..., description="The winners, amounts and rationales, once the challenge is awarded."
    )

    @staticmethod
    def resolve_awards(obj) -> list[selectors.PublicAward]:
        return selectors.award_list_public(challenge=obj)

    @staticmethod
    def resolve_proposal_count(obj) -> int:
        return selectors.proposal_count(challenge=obj)

    @staticmethod
    def resolve_phases(obj) -> list[Phase]:
        return selectors.phases_of(challenge=obj)

    @staticmethod
    def resolve_criteria(obj) -> list[Criterion]:
        return selectors.criteria_of(challenge=obj)

    @staticmethod
    def resolve_changes(obj) -> list[ChangeLogEntry]:
        return selectors.challenge_change_log(challenge=obj)

    @staticmethod
    def resolve_questions(obj) -> list[dict[str, Any]]:
        return selectors.question_list_public(challenge=obj)


class ChallengeSummaryOut(Schema):
    id: int
    title: str
    summary: str
    status: str
    currency: str
    submission_deadline: datetime | None
    proposal_count: int


class ChallengeIn(InputSchema):
    title: str = Field(..., min_length=5, max_length=200)
    context: str = Field(..., min_length=1)
    summary: str = Field("", max_length=500)
    users_affected: str = ""
    outcomes_sought: str = ""
    constraints: str = ""
    data_available: str = ""
    eligibility: str = ""
    ip_terms: str = ""
    timeline: str = ""
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    problem_id: ObjectId | None = None
    anonymous_evaluation: bool = False
    consultation_closes_at: datetime | None = None
    submission_deadline: datetime | None = None
    unit_id: int | None = Field(None, description="Needed only when you belong to several units.")


class ChallengePatch(PatchSchema):
    nullable = frozenset({"consultation_closes_at", "submission_deadline"})

    reason: str = Field("", description="Required once published; shown in the public change log.")
    title: str | None = Field(None, min_length=5, max_length=200)
    summary: str | None = Field(None, max_length=500)
    context: str | None = None
    users_affected: str | None = None
    outcomes_sought: str | None = None
    constraints: str | None = None
    data_available: str | None = None
    eligibility: str | None = None
    ip_terms: str | None = None
    timeline: str | None = None
    anonymous_evaluation: bool | None = None
    consultation_closes_at: datetime | None = None
    submission_deadline: datetime | None = None


class StatusIn(InputSchema):
    to_status: StatusName
    reason: str = Field(
        "",
        max_length=2000,
        description="Required to cancel a published call (at least 10 characters): shown in "
        "the public change log and sent to every bidder, whose proposals are voided unopened.",
    )


class RepublishIn(InputSchema):
    submission_deadline: datetime | None = Field(
        None, description="The new call's deadline (it starts as a draft; publish it as usual)."
    )


@router.get(
    "/market/public/challenges",
    auth=None,
    response=list[ChallengeSummaryOut],
    summary="Published challenges (no sign-in)",
)
@paginate(Pagination)
def list_public_challenges(request: HttpRequest):
    return selectors.challenge_list_public()


@router.get(
    "/market/public/challenges/{challenge_id}",
    auth=None,
    response=ChallengeOut,
    summary="One published challenge with its Q&A and change log",
)
def get_public_challenge(request: HttpRequest, challenge_id: int):
    return selectors.challenge_get_public(pk=challenge_id)


@router.get("/market/challenges", response=list[ChallengeSummaryOut], summary="Challenges")
@paginate(Pagination)
def list_challenges(request: HttpRequest):
    return selectors.challenge_list(viewer=principal(request))


@router.post("/market/challenges", response={201: ChallengeOut}, summary="Draft a challenge")
def create_challenge(request: HttpRequest, payload: ChallengeIn):
    actor = require_write(request)
    data = payload.dict()
    unit = acting_unit(actor, Ability.MANAGE_MARKET, data.pop("unit_id"))
    problem_id = data.pop("problem_id")
    problem = problem_get(viewer=actor, pk=problem_id) if problem_id else None
    challenge = services.challenge_create(actor=actor, unit=unit, problem=problem, **data)
    return Status(201, challenge)


@router.get("/market/challenges/{challenge_id}", response=ChallengeOut, summary="One challenge")
def get_challenge(request: HttpRequest, challenge_id: int):
    return selectors.challenge_get(viewer=principal(request), pk=challenge_id)


@router.patch(
    "/market/challenges/{challenge_id}", response=ChallengeOut, summary="Change a challenge"
)
def update_challenge(request: HttpRequest, challenge_id: int, payload: ChallengePatch):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    services.challenge_update(actor=actor, challenge=challenge, reason=reason, **data)
    return selectors.challenge_get(viewer=actor, pk=challenge_id)


@router.post(
    "/market/challenges/{challenge_id}/status",
    response=ChallengeOut,
    summary="Publish, open, close or cancel",
)
def move_challenge(request: HttpRequest, challenge_id: int, payload: StatusIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    services.challenge_move(
        actor=actor, challenge=challenge, to_status=payload.to_status, reason=payload.reason
    )
    return selectors.challenge_get(viewer=actor, pk=challenge_id)


@router.post(
    "/market/challenges/{challenge_id}/republish",
    response={201: ChallengeOut},
    summary="Re-publish a cancelled call as a new draft",
    description="The way to an earlier deadline than one already published: cancel the call "
    "(its proposals are voided unopened and the bidders told), then re-publish it. The new "
    "challenge copies the statement, phases and criteria; its bids are new.",
)
def republish_challenge(request: HttpRequest, challenge_id: int, payload: RepublishIn):
    actor = require_write(request)
    challenge = selectors.challenge_get(
        viewer=actor, pk=challenge_id, ability=Ability.MANAGE_MARKET
    )
    copy = services.challenge_republish(
        actor=actor, challenge=challenge, submission_deadline=payload.submission_deadline
    )
    return Status(201, selectors.challenge_get(viewer=actor, pk=copy.pk))
