"""Needs intake: an agency's innovation need."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.market.models._common import CURRENCY_HELP


class NeedStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("need status", "Open")
    MERGED = "merged", _("Merged into a challenge")
    DECLINED = "declined", _("Declined")


class Need(TimeStampedModel):
    """An agency's innovation need: what is wrong, for whom, what it costs today."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="market_needs")
    agency = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="agency_needs")
    problem = models.ForeignKey(
        "portfolio.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="market_needs",
    )
    title = models.CharField(max_length=200)
    what_is_wrong = models.TextField()
    who_is_affected = models.TextField()
    current_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text=CURRENCY_HELP)
    constraints = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    challenge = models.ForeignKey(
        "market.Challenge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    submitted_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_cost__isnull=True) | Q(current_cost__gte=0),
                name="need_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title
