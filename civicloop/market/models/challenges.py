"""Challenges: the statement and its status, phases, criteria, consultation, change log."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.market.models._common import CURRENCY_HELP


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
    # Closed without (further) awards, e.g. a pilot that will not run: the phase is settled, and
    # the challenge becomes "awarded" once every phase is settled (services.phase_close).
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_reason = models.TextField(blank=True)

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
