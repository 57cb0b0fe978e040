"""Sealed proposals: metadata for whoever may know of them, content only after the seal."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicloop.core.http import (
    InputSchema,
    MappedRows,
    ObjectId,
    Pagination,
    principal,
    require_write,
)
from civicloop.market import selectors, services
from civicloop.market.api._common import PhaseName, acting_company, challenge_phase
from civicloop.market.api.attachments import FileOut

router = Router()


class ProposalOut(Schema):
    """Metadata only: content is at /content, sealed until the deadline."""

    id: int
    code: str
    challenge_id: int
    phase: str
    vendor_id: int | None
    vendor_name: str
    status: str
    revision: int
    submitted_at: datetime
    price: Decimal | None
    currency: str
    is_own: bool
    sealed: bool
    files: list[FileOut]


class ProposalIn(InputSchema):
    phase: PhaseName
    content: str = Field(..., min_length=50, max_length=200000)
    price: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    organization_id: int | None = Field(None, description="Needed only if you act for several.")


class ContentOut(Schema):
    proposal_id: int
    code: str
    content: str


@router.get("/market/proposals", response=list[ProposalOut], summary="Proposals (metadata)")
@paginate(Pagination)
def list_proposals(request: HttpRequest, challenge_id: ObjectId | None = None):
    viewer = principal(request)
    return MappedRows(
        selectors.proposal_queryset(viewer=viewer, challenge_id=challenge_id),
        lambda rows: selectors.proposal_views(viewer=viewer, proposals=rows),
    )


@router.post(
    "/market/challenges/{challenge_id}/proposals",
    response={201: ProposalOut},
    summary="Submit or revise your sealed proposal before the deadline",
)
def submit_proposal(request: HttpRequest, challenge_id: int, payload: ProposalIn):
    actor = require_write(request)
    challenge = selectors.challenge_get_public(pk=challenge_id)
    vendor = acting_company(request, payload.organization_id)
    proposal = services.proposal_submit(
        actor=actor,
        challenge=challenge,
        phase=challenge_phase(challenge, payload.phase),
        vendor=vendor,
        content=payload.content,
        price=payload.price,
    )
    return Status(201, selectors.proposal_view(viewer=actor, pk=proposal.pk))


@router.get("/market/proposals/{proposal_id}", response=ProposalOut, summary="One proposal")
def get_proposal(request: HttpRequest, proposal_id: int):
    return selectors.proposal_view(viewer=principal(request), pk=proposal_id)


@router.get(
    "/market/proposals/{proposal_id}/content",
    response=ContentOut,
    summary="A proposal's content (sealed until the deadline; every read is audited)",
)
def get_proposal_content(request: HttpRequest, proposal_id: int):
    viewer = principal(request)
    text = services.proposal_content_open(actor=viewer, pk=proposal_id)
    proposal = selectors.proposal_get(viewer=viewer, pk=proposal_id)
    return {"proposal_id": proposal.pk, "code": proposal.code, "content": text}
