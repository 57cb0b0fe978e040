"""Needs intake: agencies submit needs; the unit finds alike ones and merges them."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal, require_write
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability
from civicloop.market import selectors, services
from civicloop.market.api.challenges import ChallengeOut
from civicloop.portfolio.selectors import problem_get

router = Router()


class NeedOut(Schema):
    id: int
    title: str
    agency_id: int
    agency: str = Field(..., alias="agency.name")
    problem_id: int | None
    what_is_wrong: str
    who_is_affected: str
    current_cost: Decimal | None
    currency: str
    constraints: str
    status: str
    challenge_id: int | None
    created_at: datetime


class NeedIn(InputSchema):
    agency_id: int
    title: str = Field(..., min_length=5, max_length=200)
    what_is_wrong: str = Field(..., min_length=20)
    who_is_affected: str = Field(..., min_length=1)
    current_cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    constraints: str = ""
    problem_id: ObjectId | None = None


class SimilarOut(Schema):
    first_id: int
    first_title: str
    first_agency: str
    second_id: int
    second_title: str
    second_agency: str
    similarity: float


class MergeIn(InputSchema):
    need_ids: list[ObjectId] = Field(..., min_length=1)
    challenge_id: ObjectId | None = None
    title: str | None = Field(None, min_length=5, max_length=200)


@router.get("/market/needs", response=list[NeedOut], summary="Innovation needs you can see")
@paginate(Pagination)
def list_needs(request: HttpRequest):
    return selectors.need_list(viewer=principal(request)).order_by("-created_at", "-pk")


@router.post("/market/needs", response={201: NeedOut}, summary="Submit an agency's need")
def create_need(request: HttpRequest, payload: NeedIn):
    actor = require_write(request)
    agency = Organization.objects.filter(pk=payload.agency_id, kind=OrganizationKind.AGENCY).first()
    if agency is None:
        raise ValidationError({"agency_id": _("No agency with this id.")})
    problem = problem_get(viewer=actor, pk=payload.problem_id) if payload.problem_id else None
    need = services.need_submit(
        actor=actor,
        agency=agency,
        title=payload.title,
        what_is_wrong=payload.what_is_wrong,
        who_is_affected=payload.who_is_affected,
        current_cost=payload.current_cost,
        currency=payload.currency,
        constraints=payload.constraints,
        problem=problem,
    )
    return Status(201, need)


@router.get(
    "/market/needs/similar", response=list[SimilarOut], summary="Similar needs across agencies"
)
def list_similar_needs(request: HttpRequest, threshold: float = 0.2):
    return [
        {
            "first_id": p.first.pk,
            "first_title": p.first.title,
            "first_agency": p.first.agency.name,
            "second_id": p.second.pk,
            "second_title": p.second.title,
            "second_agency": p.second.agency.name,
            "similarity": p.similarity,
        }
        for p in selectors.need_similar_pairs(viewer=principal(request), threshold=threshold)
    ]


@router.post(
    "/market/needs/merge", response={201: ChallengeOut}, summary="Merge needs into a challenge"
)
def merge_needs(request: HttpRequest, payload: MergeIn):
    actor = require_write(request)
    needs = list(selectors.need_list(viewer=actor).filter(pk__in=payload.need_ids))
    if len(needs) != len(set(payload.need_ids)):
        raise ValidationError({"need_ids": _("One or more needs do not exist or are not yours.")})
    challenge = (
        selectors.challenge_get(
            viewer=actor, pk=payload.challenge_id, ability=Ability.MANAGE_MARKET
        )
        if payload.challenge_id
        else None
    )
    result = services.needs_merge(
        actor=actor, needs=needs, challenge=challenge, title=payload.title
    )
    return Status(201, result)
