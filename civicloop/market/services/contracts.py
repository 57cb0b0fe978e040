"""Contracts and pilots: an award becomes a contract with milestones and payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import Award, Contract, Milestone, MilestoneStatus, Payment
from civicloop.portfolio.models import Problem


@transaction.atomic
def contract_sign(
    *,
    actor: Principal,
    award: Award,
    title: str,
    value: Decimal,
    signed_on: date,
    starts_on: date,
    ends_on: date,
    pilot_problem: Problem | None = None,
    pilot_service_id: int | None = None,
) -> Contract:
    """Turn an award into a contract; a pilot links to the problem (and service) it serves."""
    require(actor, Ability.MANAGE_MARKET, award.challenge.unit_id)
    if hasattr(award, "contract"):
        raise ValidationError({"award": _("This award already has a contract.")})
    value = Decimal(value)
    if value <= 0 or value > award.amount:
        raise ValidationError(
            {
                "value": _(
                    "The contract value must be positive and at most the awarded %(amount)s."
                )
                % {"amount": award.amount}
            }
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The contract must end after it starts.")})
    if pilot_problem is not None and pilot_problem.unit_id != award.challenge.unit_id:
        raise ValidationError({"pilot_problem": _("The problem belongs to another unit.")})
    contract = Contract.objects.create(
        award=award,
        title=title.strip() or award.challenge.title,
        value=value,
        currency=award.currency,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        pilot_problem=pilot_problem or award.challenge.problem,
        pilot_service_id=pilot_service_id,
    )
    audit_record(
        actor=actor,
        action=MarketEvent.CONTRACT_SIGNED,
        obj=contract,
        organization=award.challenge.unit_id,
        after=model_snapshot(contract),
    )
    return contract


@transaction.atomic
def milestone_add(*, actor: Principal, contract: Contract, title: str, due_on: date) -> Milestone:
    """Schedule a milestone of a contract (a deliverable with its due date)."""
    require(actor, Ability.MANAGE_MARKET, contract.award.challenge.unit_id)
    if not title.strip():
        raise ValidationError({"title": gettext("Name the milestone.")})
    milestone = Milestone.objects.create(contract=contract, title=title.strip(), due_on=due_on)
    audit_record(
        actor=actor,
        action=MarketEvent.MILESTONE_ADDED,
        obj=milestone,
        organization=contract.award.challenge.unit_id,
        after=model_snapshot(milestone),
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: Principal, milestone: Milestone, status: str) -> Milestone:
    """Mark a milestone scheduled, met (delivered and accepted) or not met."""
    require(actor, Ability.MANAGE_MARKET, milestone.contract.award.challenge.unit_id)
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": gettext("A milestone is scheduled, met or not met.")})
    before = milestone.status
    milestone.status = status
    milestone.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.MILESTONE_UPDATED,
        obj=milestone,
        organization=milestone.contract.award.challenge.unit_id,
        before={"status": before},
        after={"status": status},
    )
    return milestone


@transaction.atomic
def payment_record(
    *,
    actor: Principal,
    contract: Contract,
    amount: Decimal,
    paid_on: date,
    milestone: Milestone | None = None,
) -> Payment:
    """Record a payment; payments never exceed the contract value."""
    require(actor, Ability.MANAGE_MARKET, contract.award.challenge.unit_id)
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": gettext("A payment is a positive amount.")})
    if milestone is not None and milestone.contract_id != contract.pk:
        raise ValidationError({"milestone": gettext("The milestone belongs to another contract.")})
    # Lock the contract so two payments recorded at once cannot together exceed its value.
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if paid + amount > contract.value:
        raise ValidationError(
            {
                "amount": gettext(
                    "Payments would exceed the contract value of %(value)s (already paid %(paid)s)."
                )
                % {"value": contract.value, "paid": paid}
            }
        )
    payment = Payment.objects.create(
        contract=contract, amount=amount, paid_on=paid_on, milestone=milestone
    )
    audit_record(
        actor=actor,
        action=MarketEvent.PAYMENT_RECORDED,
        obj=payment,
        organization=contract.award.challenge.unit_id,
        after=model_snapshot(payment),
    )
    return payment
