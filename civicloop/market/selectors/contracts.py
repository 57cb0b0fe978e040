"""Contracts and pilots: those a viewer may see, and a contract's ledger of milestones and pay."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import Role
from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import Challenge, Contract, Milestone, MilestoneStatus, Payment


def contract_list(*, viewer: Principal) -> QuerySet[Contract]:
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    own = sorted(viewer.organizations([Role.VENDOR]))
    return (
        Contract.objects.filter(
            Q(award__challenge__unit_id__in=units) | Q(award__proposal__vendor_id__in=own)
        )
        .select_related("award__challenge", "award__proposal__vendor", "pilot_problem")
        .order_by("-signed_on", "pk")
    )


def contract_get(*, viewer: Principal, pk: int) -> Contract:
    contract = contract_list(viewer=viewer).filter(pk=pk).first()
    if contract is None:
        raise Http404("Not found")
    return contract


@dataclass(frozen=True)
class MilestoneLine:
    milestone: Milestone
    paid: Decimal
    payments: list[Payment]

    @property
    def is_overdue(self) -> bool:
        return (
            self.milestone.status == MilestoneStatus.SCHEDULED
            and self.milestone.due_on < timezone.localdate()
        )


@dataclass(frozen=True)
class ContractLedger:
    """A contract's milestones and payments with what is paid against its value."""

    milestones: list[MilestoneLine]
    payments: list[Payment]
    paid: Decimal
    remaining: Decimal
    paid_share: float | None  # 0..1 of the contract value


def contract_ledger(*, contract: Contract) -> ContractLedger:
    """Milestones (with what was paid against each), payments and totals of a contract."""
    milestones = list(contract.milestones.all())
    payments = list(contract.payments.select_related("milestone"))
    paid = sum((p.amount for p in payments), Decimal(0))
    lines = [
        MilestoneLine(
            milestone=m,
            paid=sum((p.amount for p in payments if p.milestone_id == m.pk), Decimal(0)),
            payments=[p for p in payments if p.milestone_id == m.pk],
        )
        for m in milestones
    ]
    return ContractLedger(
        milestones=lines,
        payments=payments,
        paid=paid,
        remaining=contract.value - paid,
        paid_share=float(paid / contract.value) if contract.value else None,
    )


def contract_get_managed(*, viewer: Principal, pk: int) -> Contract:
    """A contract of a challenge the viewer's unit manages; 404 for anyone else."""
    contract = contract_get(viewer=viewer, pk=pk)
    if contract.award.challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    return contract


def milestone_get_managed(*, viewer: Principal, pk: int) -> Milestone:
    """A milestone of a contract the viewer's unit manages; 404 for anyone else."""
    milestone = Milestone.objects.filter(pk=pk).first()
    if milestone is None:
        raise Http404("Not found")
    milestone.contract = contract_get_managed(viewer=viewer, pk=milestone.contract_id)
    return milestone


def contracts_by_award(*, viewer: Principal, challenge: Challenge) -> dict[int, Contract]:
    """The contracts of a challenge's awards the viewer may see, by award id."""
    contracts = contract_list(viewer=viewer).filter(award__challenge=challenge)
    return {c.award_id: c for c in contracts}
