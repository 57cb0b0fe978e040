"""Contracts and pilots: milestones and payments."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import TimeStampedModel
from civicloop.market.models.proposals import Award


class ContractStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    TERMINATED = "terminated", _("Terminated")


class Contract(TimeStampedModel):
    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    title = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    signed_on = models.DateField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    # The pilot: the portfolio problem it addresses, and the experiments app's Service once it
    # exists (by id, so this app does not depend on a model that has not landed yet).
    pilot_problem = models.ForeignKey(
        "portfolio.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilot_contracts",
    )
    pilot_service_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="contract_value_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            ),
        ]


class MilestoneStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MET = "met", _("Met")
    NOT_MET = "notMet", _("Not met")


class Milestone(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.SCHEDULED
    )

    class Meta:
        ordering = ["due_on", "pk"]


class Payment(TimeStampedModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    paid_on = models.DateField()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
