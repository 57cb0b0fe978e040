"""Needs, challenges, consultation, vendors, sealed proposals, evaluation, awards, contracts."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel

CURRENCY_HELP = "ISO 4217 code, e.g. EUR"


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


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("Market consultation")
    OPEN = "open", _("Open for proposals")
    EVALUATION = "evaluation", _("Under evaluation")
    AWARDED = "awarded", pgettext_lazy("challenge status", "Awarded")
    CANCELLED = "cancelled", _("Cancelled")


PUBLIC_STATUSES = [
    ChallengeStatus.CONSULTATION,
    ChallengeStatus.OPEN,
    ChallengeStatus.EVALUATION,
    ChallengeStatus.AWARDED,
    ChallengeStatus.CANCELLED,
]


class Challenge(TimeStampedModel):
    """A problem statement put to the market (GovTech Catalyst style): problem, not solution."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="challenges")
    problem = models.ForeignKey(
        "portfolio.Problem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
    )
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    # Rich text fields are stored already sanitised by nh3 (services.sanitise_html).
    context = models.TextField()
    users_affected = models.TextField(blank=True)
    outcomes_sought = models.TextField(blank=True)
    constraints = models.TextField(blank=True)
    data_available = models.TextField(blank=True)
    eligibility = models.TextField(blank=True)
    ip_terms = models.TextField(blank=True)
    timeline = models.TextField(blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text=CURRENCY_HELP)
    status = models.CharField(
        max_length=14, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT
    )
    anonymous_evaluation = models.BooleanField(default=False)
    consultation_closes_at = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField(null=True, blank=True)
    # The latest submission deadline ever published (ADR 0007). Set when a challenge with a
    # deadline is published and raised with every later deadline; it never goes down, and sealed
    # content opens only once it has passed. Once set, the deadline must equal it (constraint),
    # so no write can move the deadline without moving the mark, and no service lowers the mark.
    sealed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # When the call was cancelled; bids of a call cancelled before `sealed_until` never open.
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sealed_until__isnull=True)
                | Q(submission_deadline__isnull=False, submission_deadline=F("sealed_until")),
                name="challenge_deadline_is_sealed_until",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(submission_deadline__isnull=True)
                | Q(sealed_until__isnull=False),
                name="challenge_published_deadline_sealed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def seal_lifts_at(self) -> datetime | None:
        """When sealed content may open: the latest deadline ever published, never earlier."""
        candidates = [d for d in (self.sealed_until, self.submission_deadline) if d is not None]
        return max(candidates) if candidates else None

    @property
    def voided_by_cancellation(self) -> bool:
        """Cancelled before its bids could open: they are void and never opened."""
        lifts = self.seal_lifts_at
        return self.cancelled_at is not None and (lifts is None or self.cancelled_at < lifts)

    def seal_lifted(self, now: datetime) -> bool:
        """Whether anyone but the vendor may read the bids' content, price and files."""
        lifts = self.seal_lifts_at
        return lifts is not None and now >= lifts and not self.voided_by_cancellation


class PhaseKind(models.TextChoices):
    FEASIBILITY = "feasibility", _("Feasibility")
    PROTOTYPE = "prototype", _("Prototype")
    PILOT = "pilot", _("Pilot")


PHASE_ORDER: list[str] = [PhaseKind.FEASIBILITY, PhaseKind.PROTOTYPE, PhaseKind.PILOT]


class Phase(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=12, choices=PhaseKind.choices)
    budget = models.DecimalField(max_digits=14, decimal_places=2)
    awards_count = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["challenge_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "kind"], name="phase_unique_kind"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="phase_budget_not_negative"),
            models.CheckConstraint(condition=Q(awards_count__gte=1), name="phase_awards_positive"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def order(self) -> int:
        return PHASE_ORDER.index(self.kind)


class Criterion(models.Model):
    """A weighted evaluation criterion; a phase's own criteria replace the challenge's."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="criteria")
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField(default=10)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100), name="criterion_weight_1_100"
            ),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class RfiResponse(TimeStampedModel):
    """A company's answer to the request for information during consultation."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="rfi_responses")
    vendor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()


class Question(TimeStampedModel):
    """A clarification question; published with its answer, never with the asker."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="questions")
    asked_by_org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    asked_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]


class ChangeLogEntry(TimeStampedModel):
    """What the consultation changed in the challenge, and why."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=60)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    reason = models.TextField()
    changed_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]


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
    """Proposal text, Fernet-encrypted; only `selectors.proposal_content_open` decrypts it."""

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


class Award(TimeStampedModel):
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="awards")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    rationale = models.TextField()
    decided_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_not_negative"),
        ]


class Feedback(TimeStampedModel):
    """Feedback to an unsuccessful vendor."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField()
    sent_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")


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
