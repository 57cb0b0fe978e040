"""Vendors: a company's profile, each unit's verification of it, invitations."""

from __future__ import annotations

from django.db import models

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.market.models.challenges import Challenge


class VendorProfile(TimeStampedModel):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="vendor_profile"
    )
    founding_year = models.PositiveSmallIntegerField()
    capabilities = models.TextField()
    sectors = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    references = models.TextField(blank=True)
    website = models.URLField(blank=True)
    # The figures the EU size class was computed from at sign-up (civicloop/market/sme.py); null
    # for a company a unit created, whose class was declared.
    staff_headcount = models.PositiveIntegerField(null=True, blank=True)
    annual_turnover_eur = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True
    )
    balance_sheet_eur = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    # Superseded by VendorVerification (one per verifying unit, issue 12); neither read nor
    # written any more, dropped by a later migration (expand/contract).
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return self.organization.name


class VendorVerification(TimeStampedModel):
    """One unit's confirmation that a company exists and its size class is right.

    Each unit verifies for itself: another unit's verification changes nothing it sees. A change
    to the vendor's profile removes every verification of it.
    """

    profile = models.ForeignKey(
        VendorProfile, on_delete=models.CASCADE, related_name="verifications"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    verified_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="The evidence checked, e.g. a register entry.")

    class Meta:
        ordering = ["organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "organization"], name="vendor_verification_one_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile} verified by {self.organization}"


class Invitation(TimeStampedModel):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="invitations")
    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "vendor"], name="invitation_unique")
        ]


class VendorSubscription(TimeStampedModel):
    """What a company wants to hear about: challenges in these sectors or with these words.

    Empty sectors and keywords: every published challenge that reads like the vendor's profile.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="vendor_subscription"
    )
    sectors = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"subscription of {self.organization}"
