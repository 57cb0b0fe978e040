"""Sealed proposals with their attachments, evaluation (conflicts, scores) and awards."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.market.models.challenges import Challenge, Criterion, Phase


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AWARDED = "awarded", pgettext_lazy("proposal status", "Awarded")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    VOIDED = "voided", _("Void: the call was cancelled")


class Proposal(TimeStampedModel):
    """Metadata of a sealed proposal. The content lives encrypted in SealedContent."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="proposals")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="proposals")
    vendor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="proposals")
    submitted_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    # A neutral code evaluators see in anonymous mode instead of the vendor's name.
    code = models.CharField(max_length=12, unique=True)
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        ordering = ["challenge_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "vendor"], name="proposal_one_per_vendor_phase"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="proposal_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class SealedContent(models.Model):
    """Proposal text, Fernet-encrypted; only `services.proposal_content_open` decrypts it."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="sealed")
    ciphertext = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"sealed content of proposal {self.proposal_id}"


class ProposalFile(TimeStampedModel):
    """An attachment; bytes are encrypted at rest under a server-generated name."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="files")
    storage_name = models.CharField(max_length=120, unique=True)
    extension = models.CharField(max_length=5)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # What was stripped on upload to an anonymous call (e.g. "PDF document information: Author").
    metadata_removed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["pk"]


class ConflictDeclaration(TimeStampedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="declarations")
    evaluator = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    has_conflict = models.BooleanField()
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "evaluator"], name="declaration_unique")
        ]


class Score(TimeStampedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()
    justification = models.TextField()

    class Meta:
        ordering = ["proposal_id", "criterion_id", "evaluator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "evaluator", "criterion"], name="score_unique"
            ),
        ]


# Days of the standstill period after an award notice (Directive 2007/66/EC: at least 10 days
# when notified electronically): the contract is signed after it, and bidders may challenge the
# decision until it ends. The award notices and the public portal both count from the decision.
STANDSTILL_DAYS = 10


class Award(TimeStampedModel):
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="awards")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    rationale = models.TextField()
    # Why an award beyond the phase's budget or number of awards was made anyway (audited).
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_not_negative"),
        ]

    @property
    def standstill_ends(self) -> date:
        """The last day of the standstill period (a UTC date, as the award notices state it)."""
        return (self.decided_at.astimezone(UTC) + timedelta(days=STANDSTILL_DAYS)).date()


class Feedback(TimeStampedModel):
    """Feedback to an unsuccessful vendor."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField()
    sent_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")


class EvaluatorAssignment(TimeStampedModel):
    """An evaluator assigned by the unit to a whole challenge (`proposal` empty) or to one of its
    proposals. Once a challenge has any assignment, only the evaluators assigned see and score
    its proposals (`selectors._common.visible_proposals`, ADR 0017); before, every evaluator of
    the unit does."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="evaluator_assignments"
    )
    proposal = models.ForeignKey(
        Proposal,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluator_assignments",
    )
    evaluator = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["challenge_id", "proposal_id", "evaluator_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "evaluator"],
                condition=Q(proposal__isnull=True),
                name="assignment_one_per_challenge_evaluator",
            ),
            models.UniqueConstraint(
                fields=["proposal", "evaluator"],
                condition=Q(proposal__isnull=False),
                name="assignment_one_per_proposal_evaluator",
            ),
        ]

    def __str__(self) -> str:
        return f"evaluator {self.evaluator_id} on challenge {self.challenge_id}"
