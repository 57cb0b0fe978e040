"""Awards: the decision with its rationale, and written feedback to the unsuccessful."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Feedback,
    Proposal,
    ProposalStatus,
)


@transaction.atomic
def award_decide(
    *, actor: Principal, proposal: Proposal, amount: Decimal | str, rationale: str
) -> Award:
    """Award a proposal with a written rationale; the challenge becomes awarded."""
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    proposal.challenge = challenge
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if challenge.status not in (ChallengeStatus.EVALUATION, ChallengeStatus.AWARDED):
        raise ValidationError({"challenge": "Awards are decided after evaluation has started."})
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"proposal": "This proposal cannot be awarded."})
    if len(rationale.strip()) < 20:
        raise ValidationError({"rationale": "Explain the decision in at least 20 characters."})
    amount = Decimal(amount)
    if amount <= 0 or amount > proposal.phase.budget:
        raise ValidationError(
            {
                "amount": f"The amount must be positive and within the phase "
                f"budget of {proposal.phase.budget}."
            }
        )
    awarded = Award.objects.filter(proposal__phase=proposal.phase).count()
    if awarded >= proposal.phase.awards_count:
        raise ValidationError(
            {
                "proposal": f"This phase makes {proposal.phase.awards_count} "
                "award(s), all already decided."
            }
        )
    award = Award.objects.create(
        challenge=challenge,
        proposal=proposal,
        amount=amount,
        currency=proposal.currency,
        rationale=rationale.strip(),
        decided_by=actor.person,
        decided_at=timezone.now(),
    )
    proposal.status = ProposalStatus.AWARDED
    proposal.save(update_fields=["status", "updated_at"])
    if challenge.status != ChallengeStatus.AWARDED:
        challenge.status = ChallengeStatus.AWARDED
        challenge.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.AWARD_DECIDED,
        obj=award,
        organization=challenge.unit_id,
        after={
            "proposal": proposal.code,
            "vendor_id": proposal.vendor_id,
            "amount": amount,
            "rationale": award.rationale,
        },
    )
    return award


@transaction.atomic
def feedback_send(*, actor: Principal, proposal: Proposal, text: str) -> Feedback:
    """Written feedback to an unsuccessful vendor, which also marks the proposal unsuccessful."""
    proposal.challenge = Challenge.objects.get(pk=proposal.challenge_id)
    require(actor, Ability.MANAGE_MARKET, proposal.challenge.unit_id)
    if proposal.status == ProposalStatus.AWARDED:
        raise ValidationError({"proposal": "This proposal was awarded."})
    if proposal.challenge.status != ChallengeStatus.AWARDED:
        raise ValidationError({"proposal": "Send feedback once the award is decided."})
    if len(text.strip()) < 20:
        raise ValidationError({"text": "Write feedback of at least 20 characters."})
    feedback, _ = Feedback.objects.update_or_create(
        proposal=proposal, defaults={"text": text.strip(), "sent_by": actor.person}
    )
    proposal.status = ProposalStatus.UNSUCCESSFUL
    proposal.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.FEEDBACK_SENT,
        obj=feedback,
        organization=proposal.challenge.unit_id,
        metadata={"proposal": proposal.code},
    )
    return feedback
