"""Awards: the decision per phase with its rationale, closing a phase, and written feedback.

Money rules (issue 15): an award belongs to its proposal's phase and is checked against that
phase's budget (the sum of its awards) and its number of awards. Going beyond either needs an
override reason of at least 20 characters, kept on the award and in the audit trail. A phase
is settled when it has made all its awards or was closed (`phase_close`, with a reason: a pilot
that will not run); the challenge becomes "awarded" only once every phase is settled and at
least one award was made, never at its first award.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Award,
    Challenge,
    ChallengeStatus,
    Feedback,
    Phase,
    Proposal,
    ProposalStatus,
)
from civicloop.market.selectors.awards import money, phase_awards

MIN_RATIONALE = 20
MIN_OVERRIDE = 20
MIN_CLOSE_REASON = 10


def _amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"amount": gettext("Enter the amount as a number, for example 28000.00.")}
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": gettext("The amount must be more than zero.")})
    return amount.quantize(Decimal("0.01"))


def _check_limits(phase: Phase, amount: Decimal, currency: str, override_reason: str) -> None:
    """The phase's budget and number of awards; either may be exceeded only with a reason."""
    state = phase_awards(phase)
    errors: dict[str, str] = {}
    label = phase.get_kind_display()
    if state.total + amount > phase.budget:
        errors["amount"] = gettext(
            "The awards of the %(phase)s phase would total %(total)s, over its budget of "
            "%(budget)s (%(awarded)s already awarded, %(left)s left). Lower the amount, or give "
            "an override reason of at least %(min)s characters (it is audited)."
        ) % {
            "phase": label,
            "total": money(state.total + amount, currency),
            "budget": money(phase.budget, currency),
            "awarded": money(state.total, currency),
            "left": money(max(phase.budget - state.total, Decimal(0)), currency),
            "min": MIN_OVERRIDE,
        }
    if state.count >= phase.awards_count:
        errors["proposal"] = gettext(
            "The %(phase)s phase makes %(count)s award(s) and all are decided. Give an "
            "override reason of at least %(min)s characters to make another (it is audited)."
        ) % {"phase": label, "count": phase.awards_count, "min": MIN_OVERRIDE}
    if errors and len(override_reason.strip()) < MIN_OVERRIDE:
        raise ValidationError(errors)


def _settle(challenge: Challenge) -> None:
    """The challenge becomes awarded once every phase is settled and something was awarded."""
    phases = list(Phase.objects.filter(challenge=challenge))
    states = [phase_awards(p) for p in phases]
    if states and all(s.settled for s in states) and any(s.count for s in states):
        challenge.status = ChallengeStatus.AWARDED
        challenge.save(update_fields=["status", "updated_at"])


def _check_award(phase: Phase, proposal: Proposal, rationale: str) -> None:
    """An open phase, a proposal still in the running, a written rationale."""
    if phase.closed_at is not None:
        raise ValidationError(
            {
                "proposal": gettext("The %(phase)s phase is closed: it makes no more awards.")
                % {"phase": phase.get_kind_display()}
            }
        )
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"proposal": gettext("This proposal cannot be awarded.")})
    if len(rationale.strip()) < MIN_RATIONALE:
        raise ValidationError(
            {
                "rationale": gettext("Explain the decision in at least %(min)s characters.")
                % {"min": MIN_RATIONALE}
            }
        )


@transaction.atomic
def award_decide(
    *,
    actor: Principal,
    proposal: Proposal,
    amount: Decimal | str,
    rationale: str,
    override_reason: str = "",
) -> Award:
    """Award a proposal of its phase, within the phase's budget and number of awards."""
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    proposal.challenge = challenge
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if challenge.status != ChallengeStatus.EVALUATION:
        raise ValidationError(
            {"challenge": gettext("Awards are decided while the challenge is under evaluation.")}
        )
    phase = Phase.objects.select_for_update().get(pk=proposal.phase_id)
    _check_award(phase, proposal, rationale)
    value = _amount(amount)
    _check_limits(phase, value, proposal.currency, override_reason)
    before = phase_awards(phase)
    award = Award.objects.create(
        challenge=challenge,
        proposal=proposal,
        amount=value,
        currency=proposal.currency,
        rationale=rationale.strip(),
        override_reason=override_reason.strip() if _over(phase, before, value) else "",
        decided_by=actor.person,
        decided_at=timezone.now(),
    )
    proposal.status = ProposalStatus.AWARDED
    proposal.save(update_fields=["status", "updated_at"])
    _settle(challenge)
    audit_record(
        actor=actor,
        action=MarketEvent.AWARD_DECIDED,
        obj=award,
        organization=challenge.unit_id,
        after={
            "proposal": proposal.code,
            "vendor_id": proposal.vendor_id,
            "phase": phase.kind,
            "amount": value,
            "currency": award.currency,
            "phase_budget": phase.budget,
            "phase_awarded_before": before.total,
            "rationale": award.rationale,
            "override_reason": award.override_reason,
            "challenge_status": challenge.status,
        },
    )
    return award


def _over(phase: Phase, before, amount: Decimal) -> bool:
    return before.total + amount > phase.budget or before.count >= phase.awards_count


@transaction.atomic
def phase_close(*, actor: Principal, phase: Phase, reason: str) -> Phase:
    """Close a phase without (further) awards, e.g. a pilot that will not run; public reason."""
    challenge = Challenge.objects.select_for_update().get(pk=phase.challenge_id)
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    if challenge.status != ChallengeStatus.EVALUATION:
        raise ValidationError(
            {"phase": gettext("A phase is closed while the challenge is under evaluation.")}
        )
    if phase.closed_at is not None:
        raise ValidationError({"phase": gettext("This phase is already closed.")})
    if len(reason.strip()) < MIN_CLOSE_REASON:
        raise ValidationError(
            {
                "reason": gettext(
                    "Say why the phase closes in at least %(min)s characters (it is public)."
                )
                % {"min": MIN_CLOSE_REASON}
            }
        )
    phase.closed_at = timezone.now()
    phase.close_reason = reason.strip()
    phase.save(update_fields=["closed_at", "close_reason"])
    _settle(challenge)
    audit_record(
        actor=actor,
        action=MarketEvent.PHASE_CLOSED,
        obj=phase,
        organization=challenge.unit_id,
        after={
            "phase": phase.kind,
            "reason": phase.close_reason,
            "awards": phase_awards(phase).count,
            "challenge_status": challenge.status,
        },
    )
    return phase


@transaction.atomic
def feedback_send(*, actor: Principal, proposal: Proposal, text: str) -> Feedback:
    """Written feedback to an unsuccessful vendor, which also marks the proposal unsuccessful."""
    proposal.challenge = Challenge.objects.get(pk=proposal.challenge_id)
    require(actor, Ability.MANAGE_MARKET, proposal.challenge.unit_id)
    if proposal.status == ProposalStatus.AWARDED:
        raise ValidationError({"proposal": gettext("This proposal was awarded.")})
    settled = phase_awards(Phase.objects.get(pk=proposal.phase_id)).settled
    if proposal.challenge.status != ChallengeStatus.AWARDED and not settled:
        raise ValidationError(
            {
                "proposal": gettext(
                    "Send feedback once the awards of this proposal's phase are decided."
                )
            }
        )
    if len(text.strip()) < 20:
        raise ValidationError({"text": gettext("Write feedback of at least 20 characters.")})
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
