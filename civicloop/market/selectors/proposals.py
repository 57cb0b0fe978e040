"""Sealed proposals: what a viewer may know of them (metadata, never content)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.models import Person
from civicloop.core.permissions import Principal
from civicloop.market.models import (
    ChallengeStatus,
    PhaseKind,
    Proposal,
    ProposalFile,
    ProposalStatus,
)
from civicloop.market.selectors._common import (
    deadline_passed,
    download_name,
    identity_visible,
    is_own_proposal,
    label_of,
    visible_proposals,
)


@dataclass(frozen=True)
class ProposalView:
    """What a viewer may know about a proposal: metadata only, vendor masked when anonymous."""

    id: int
    code: str
    challenge_id: int
    challenge_title: str
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
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return label_of(PhaseKind, self.phase)

    @property
    def status_label(self) -> str:
        return label_of(ProposalStatus, self.status)


def _view(viewer: Principal, p: Proposal, files: list[ProposalFile]) -> ProposalView:
    own = is_own_proposal(viewer, p)
    sealed = not deadline_passed(p.challenge)
    show_identity = identity_visible(viewer, p)
    return ProposalView(
        id=p.pk,
        code=p.code,
        challenge_id=p.challenge_id,
        challenge_title=p.challenge.title,
        phase=p.phase.kind,
        vendor_id=p.vendor_id if show_identity else None,
        vendor_name=p.vendor.name if show_identity else f"Proposal {p.code}",
        status=p.status,
        revision=p.revision,
        submitted_at=p.submitted_at,
        # The price is part of the sealed offer.
        price=p.price if (own or not sealed) else None,
        currency=p.currency,
        is_own=own,
        sealed=sealed,
        files=[
            {
                "id": f.pk,
                "name": download_name(viewer, f, p),
                "size": f.size,
                "metadata_removed": f.metadata_removed,
            }
            for f in files
        ]
        if (own or not sealed)
        else [],
    )


def proposal_queryset(*, viewer: Principal, challenge_id: int | None = None) -> QuerySet[Proposal]:
    """Proposals the viewer may know of, in the order lists show them (for paging)."""
    qs = (
        visible_proposals(viewer)
        .select_related("challenge", "phase", "vendor")
        .prefetch_related("files")
    )
    if challenge_id is not None:
        qs = qs.filter(challenge_id=challenge_id)
    return qs.order_by("challenge_id", "code", "pk")


def proposal_views(*, viewer: Principal, proposals: Iterable[Proposal]) -> list[ProposalView]:
    """These proposals as the viewer may see them: metadata, never content."""
    return [_view(viewer, p, list(p.files.all())) for p in proposals]


def proposal_list(*, viewer: Principal, challenge_id: int | None = None) -> list[ProposalView]:
    """Proposals the viewer may know of, as metadata (never content)."""
    return proposal_views(
        viewer=viewer, proposals=proposal_queryset(viewer=viewer, challenge_id=challenge_id)
    )


def proposal_list_submitted_by(*, viewer: Principal, person: Person) -> list[ProposalView]:
    """Proposals `person` submitted that the viewer may know of, as metadata (never content)."""
    qs = (
        visible_proposals(viewer)
        .filter(submitted_by=person)
        .select_related("challenge", "phase", "vendor")
        .prefetch_related("files")
    )
    return [_view(viewer, p, list(p.files.all())) for p in qs.order_by("challenge_id", "code")]


def proposal_get(*, viewer: Principal, pk: int) -> Proposal:
    """The proposal row for a viewer allowed to know of it; 404 otherwise (conflicts included)."""
    proposal = (
        visible_proposals(viewer)
        .select_related("challenge", "phase", "vendor")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("Not found")
    return proposal


def proposal_view(*, viewer: Principal, pk: int) -> ProposalView:
    """What the viewer may know of one proposal (404 outside its scope)."""
    proposal = proposal_get(viewer=viewer, pk=pk)
    return _view(viewer, proposal, list(proposal.files.all()))


@dataclass(frozen=True)
class CancellationNotice:
    cancelled_at: datetime
    reason: str


def cancellation_notice(*, viewer: Principal, proposal: Proposal) -> CancellationNotice | None:
    """For a proposal voided by the cancellation of its call: when, and the public reason."""
    challenge = proposal.challenge
    if proposal.status != ProposalStatus.VOIDED or challenge.cancelled_at is None:
        return None
    entry = challenge.changes.filter(field="status", after=ChallengeStatus.CANCELLED).last()
    return CancellationNotice(challenge.cancelled_at, entry.reason if entry else "")


def proposal_can_change(*, viewer: Principal, proposal: Proposal) -> bool:
    """Whether the viewer may still revise the proposal or its attachments: its own vendor,
    while the call is open and before the deadline."""
    return (
        is_own_proposal(viewer, proposal)
        and proposal.challenge.status == ChallengeStatus.OPEN
        and not deadline_passed(proposal.challenge)
    )
