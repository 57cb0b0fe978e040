"""Participation API: public reads of published proposals; citizens' and moderators' writes.

Reading published proposals needs no authentication. Proposing and supporting need a signed-in
citizen session with a verified e-mail address (403 otherwise; 429 over the rate limits).
Moderation and triage are unit staff's (`EDIT_PORTFOLIO` in the proposal's unit): another
unit's proposal is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import InputSchema, ObjectId, Pagination, principal, problem_response
from civicloop.feedback.abuse import client_hashes
from civicloop.participation import selectors, services
from civicloop.participation.models import Proposal

router = Router(tags=["participation"])


class CitizenProposalOut(Schema):
    id: int
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    kind: str
    title: str
    body: str
    language: str
    status: str
    author: str = Field(
        ...,
        alias="author.public_name",
        description='A display name only; "a former participant" once its author is erased.',
    )
    support_count: int = Field(..., description="Counted, not withdrawn supports (people).")
    published_at: datetime | None
    answer: str
    answered_at: datetime | None
    answer_due_at: datetime | None
    answer_overdue_at: datetime | None
    problem_id: int | None


class CitizenCommentOut(Schema):
    id: int
    author: str = Field(..., alias="author.public_name")
    body: str
    language: str
    created_at: datetime


class CitizenProposalDetailOut(CitizenProposalOut):
    comments: list[CitizenCommentOut] = Field(..., alias="published_comments")


class CitizenProposalStaffOut(CitizenProposalOut):
    moderation_reason: str
    appeal_text: str
    redaction_counts: dict[str, int]
    created_at: datetime


class CitizenProposalIn(InputSchema):
    unit_id: ObjectId
    kind: Literal["problem", "idea"]
    title: str = Field(..., max_length=140)
    body: str = Field(..., max_length=4000)
    language: Literal["en", "es"]


class CitizenProposalReceiptOut(Schema):
    id: int
    status: str
    title: str
    body: str = Field(..., description="As stored: personal data already removed.")
    redaction_counts: dict[str, int]


class CitizenSupportOut(Schema):
    proposal_id: int
    status: str = Field(..., description="`counted`, or `held` for review (not counted yet).")
    support_count: int


class CitizenModerationIn(InputSchema):
    decision: Literal["publish", "reject"]
    reason: Literal[
        "", "spam", "personal_data", "offensive", "off_topic", "duplicate", "outside_remit"
    ] = ""


class CitizenTriageIn(InputSchema):
    owner_agency_id: ObjectId
    facet: Literal["enhancement", "mission", "adaptive", "anticipatory"]
    title: str = Field("", max_length=200)
    statement: str = Field("", max_length=4000)


class ParticipationQueueOut(Schema):
    proposals: list[CitizenProposalStaffOut]
    comments: int
    held_supports: int
    overdue: int


def _limited(request: HttpRequest, error: services.RateLimited) -> HttpResponse:
    return problem_response(request, 429, "Too many requests", error.message)


@router.get(
    "/participation/proposals",
    response=list[CitizenProposalOut],
    auth=None,
    summary="Published citizens' proposals with their support counts (no sign-in)",
)
@paginate(Pagination)
def list_citizen_proposals(
    request: HttpRequest,
    unit_id: int | None = Query(None, ge=1, le=2**63 - 1),  # noqa: B008 - ninja's way
    status: str = "",
):
    return selectors.public_proposal_list(unit_id=unit_id, status=status)


@router.get(
    "/participation/proposals/{citizen_proposal_id}",
    response=CitizenProposalDetailOut,
    auth=None,
    summary="One published proposal with its published comments (no sign-in)",
)
def get_citizen_proposal(request: HttpRequest, citizen_proposal_id: ObjectId):
    return selectors.public_proposal_get(pk=citizen_proposal_id)


@router.post(
    "/participation/proposals",
    response={201: CitizenProposalReceiptOut},
    summary="Propose a problem or an idea (a verified citizen; redacted, then moderated)",
)
def submit_citizen_proposal(request: HttpRequest, payload: CitizenProposalIn):
    try:
        proposal = services.proposal_submit(
            actor=principal(request), **client_hashes(request), **payload.dict()
        )
    except services.RateLimited as error:
        return _limited(request, error)
    return Status(201, proposal)


@router.post(
    "/participation/proposals/{citizen_proposal_id}/support",
    response={201: CitizenSupportOut},
    summary="Support a published proposal (one active support per verified person)",
)
def support_citizen_proposal(request: HttpRequest, citizen_proposal_id: ObjectId):
    proposal = selectors.public_proposal_get(pk=citizen_proposal_id)
    try:
        support = services.support_add(
            actor=principal(request), proposal=proposal, **client_hashes(request)
        )
    except services.RateLimited as error:
        return _limited(request, error)
    return Status(
        201,
        {
            "proposal_id": proposal.pk,
            "status": support.status,
            "support_count": services.support_count(proposal),
        },
    )


@router.delete(
    "/participation/proposals/{citizen_proposal_id}/support",
    response={204: None},
    summary="Withdraw one's support",
)
def withdraw_citizen_support(request: HttpRequest, citizen_proposal_id: ObjectId):
    proposal = selectors.public_proposal_get(pk=citizen_proposal_id)
    services.support_withdraw(actor=principal(request), proposal=proposal)
    return Status(204, None)


@router.get(
    "/participation/moderation",
    response=ParticipationQueueOut,
    summary="What waits for moderation in your units (unit staff)",
)
def get_participation_queue(request: HttpRequest):
    queue = selectors.moderation_queue(viewer=principal(request))
    return {
        "proposals": queue["proposals"],
        "comments": len(queue["comments"]),
        "held_supports": len(queue["supports"]),
        "overdue": len(queue["overdue"]),
    }


@router.post(
    "/participation/proposals/{citizen_proposal_id}/moderation",
    response=CitizenProposalStaffOut,
    summary="Publish a proposal, or refuse it with a reason from the fixed list (unit staff)",
)
def moderate_citizen_proposal(
    request: HttpRequest, citizen_proposal_id: ObjectId, payload: CitizenModerationIn
):
    viewer = principal(request)
    proposal = selectors.staff_proposal_get(viewer=viewer, pk=citizen_proposal_id)
    services.proposal_moderate(
        actor=viewer, proposal=proposal, decision=payload.decision, reason=payload.reason
    )
    return selectors.staff_proposal_get(viewer=viewer, pk=citizen_proposal_id)


@router.post(
    "/participation/proposals/{citizen_proposal_id}/triage",
    response={201: CitizenProposalStaffOut},
    summary="Frame a portfolio problem from a published proposal; the proposal keeps the link",
)
def triage_citizen_proposal(
    request: HttpRequest, citizen_proposal_id: ObjectId, payload: CitizenTriageIn
):
    viewer = principal(request)
    proposal: Proposal = selectors.staff_proposal_get(viewer=viewer, pk=citizen_proposal_id)
    agencies = selectors.unit_agencies(proposal.unit_id)
    agency = next((a for a in agencies if a.pk == payload.owner_agency_id), None)
    if agency is None:
        raise ValidationError({"owner_agency_id": _("Choose an agency of the proposal's unit.")})
    services.proposal_triage(
        actor=viewer,
        proposal=proposal,
        owner_agency=agency,
        facet=payload.facet,
        title=payload.title,
        statement=payload.statement,
    )
    return Status(201, selectors.staff_proposal_get(viewer=viewer, pk=citizen_proposal_id))
