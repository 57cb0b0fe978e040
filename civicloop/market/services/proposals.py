"""Sealed proposals: a company submits or revises its offer; content opens only after the seal."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market import sealing
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    Phase,
    Proposal,
    ProposalStatus,
    SealedContent,
)
from civicloop.market.selectors._common import (
    check_declared,
    check_seal_lifted,
    is_own_proposal,
)
from civicloop.market.selectors.proposals import proposal_get
from civicloop.market.services._common import (
    before_deadline,
    currency_code,
    public_or_404,
    submission_audit_org,
)


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = "P-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not Proposal.objects.filter(code=code).exists():
            return code


@transaction.atomic
def proposal_submit(
    *,
    actor: Principal,
    challenge: Challenge,
    phase: Phase,
    vendor: Organization,
    content: str,
    price: Decimal,
    currency: str | None = None,
) -> Proposal:
    """Submit a sealed proposal, or revise the vendor's own one, before the deadline."""
    public_or_404(challenge)
    require(actor, Ability.ACT_FOR_COMPANY, vendor)
    now = timezone.now()
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    before_deadline(challenge, now)
    _check_offer(challenge, phase, content, price)
    data = content.encode()
    proposal = Proposal.objects.filter(phase=phase, vendor=vendor).first()
    if proposal is None:
        proposal = Proposal.objects.create(
            challenge=challenge,
            phase=phase,
            vendor=vendor,
            submitted_by=actor.person,
            code=_new_code(),
            submitted_at=now,
            price=Decimal(price),
            currency=currency_code(currency or challenge.currency),
        )
        SealedContent.objects.create(
            proposal=proposal, ciphertext=sealing.seal(data), sha256=sealing.digest(data)
        )
        action = MarketEvent.PROPOSAL_SUBMITTED
    else:
        _revise(proposal, actor, now, Decimal(price), data)
        action = MarketEvent.PROPOSAL_REVISED
    # The audit trail keeps the content's hash (tamper evidence), never the content.
    audit_record(
        actor=actor,
        action=action,
        obj=proposal,
        organization=submission_audit_org(challenge, vendor),
        metadata={
            "code": proposal.code,
            "revision": proposal.revision,
            "sha256": sealing.digest(data),
        },
    )
    return proposal


def _check_offer(challenge: Challenge, phase: Phase, content: str, price: Decimal) -> None:
    if phase.challenge_id != challenge.pk:
        raise ValidationError({"phase": _("The phase belongs to another challenge.")})
    if len(content.strip()) < 50:
        raise ValidationError({"content": _("Describe your proposal in at least 50 characters.")})
    if price is None or Decimal(price) < 0:
        raise ValidationError({"price": _("The price must be zero or more.")})
    if Decimal(price) > phase.budget:
        raise ValidationError(
            {
                "price": _("The price exceeds the phase budget of %(budget)s.")
                % {"budget": phase.budget}
            }
        )


def _revise(
    proposal: Proposal, actor: Principal, now: datetime, price: Decimal, data: bytes
) -> None:
    """A new revision of the vendor's own proposal replaces the sealed content."""
    proposal.revision += 1
    proposal.submitted_at = now
    proposal.price = price
    proposal.submitted_by = actor.person
    proposal.status = ProposalStatus.SUBMITTED
    proposal.save()
    SealedContent.objects.filter(proposal=proposal).update(
        ciphertext=sealing.seal(data), sha256=sealing.digest(data)
    )


@transaction.atomic
def proposal_content_open(*, actor: Principal, pk: int) -> str:
    """Decrypt a proposal: the vendor's own, or anyone entitled after the deadline (audited)."""
    proposal = proposal_get(viewer=actor, pk=pk)
    if is_own_proposal(actor, proposal):
        return sealing.unseal(proposal.sealed.ciphertext).decode()
    require(actor, Ability.OPEN_PROPOSALS, proposal.challenge)
    check_seal_lifted(proposal.challenge)
    check_declared(actor, proposal)
    text = sealing.unseal(proposal.sealed.ciphertext).decode()
    audit_record(
        actor=actor,
        action=MarketEvent.PROPOSAL_OPENED,
        obj=proposal,
        organization=proposal.challenge.unit_id,
        metadata={"code": proposal.code},
    )
    return text
