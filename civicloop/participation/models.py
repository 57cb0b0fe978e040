"""Citizens raise problems: citizens, their proposals, supports, comments and who follows what.

What is stored, and why it is safe to show:

- `Citizen`: the one profile a verified account needs to take part. Only a display name (a
  pseudonym is fine) is ever shown; `email_key` is the normalised e-mail address (lower case,
  `+tag` dropped, Gmail's dots dropped) and is unique, so one mailbox is one citizen.
- `Proposal` and `Comment`: their text is redacted (`civicloop.text.redact`) before it is
  stored, so e-mail addresses, phone numbers and ID numbers never reach the database; nothing
  is public before a unit's staff publish it (`ProposalStatus.PUBLIC`).
- `Support`: one row per support; the count is always computed from rows that are counted and
  not withdrawn (never a counter that can drift). Two partial unique constraints allow one
  active support per citizen and per normalised e-mail address.
- `client_hash` on rows is a daily-rotating HMAC of the client address
  (`feedback.abuse.client_key`): it serves the rate limits and the vote-stuffing rule, cannot be
  reversed without the site's key and cannot link two days.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.portfolio.models import Problem

LANGUAGES = (("en", _("English")), ("es", _("Spanish")))


class Citizen(TimeStampedModel):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="citizen")
    display_name = models.CharField(max_length=60)
    email_key = models.CharField(max_length=254, unique=True)
    language = models.CharField(max_length=2, choices=LANGUAGES, default="en")

    def __str__(self) -> str:
        return str(self.public_name)

    @property
    def public_name(self) -> str:
        """The name shown next to what the citizen wrote: an erased citizen's display name is
        empty (no one can choose that), and their words show "a former participant"."""
        return self.display_name or str(_("a former participant"))


class ProposalKind(models.TextChoices):
    PROBLEM = "problem", _("A problem")
    IDEA = "idea", _("An idea")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    REJECTED = "rejected", _("Not published")
    APPEALED = "appealed", _("Appealed")
    PUBLISHED = "published", _("Published")
    IN_PORTFOLIO = "in_portfolio", _("Taken into the portfolio")
    CLOSED = "closed", _("Answered and closed")


PUBLIC_STATUSES = (ProposalStatus.PUBLISHED, ProposalStatus.IN_PORTFOLIO, ProposalStatus.CLOSED)


class ModerationReason(models.TextChoices):
    """The fixed list of reasons a moderator gives for not publishing."""

    SPAM = "spam", _("Spam or advertising")
    PERSONAL_DATA = "personal_data", _("Contains personal data about someone")
    OFFENSIVE = "offensive", _("Offensive, abusive or discriminatory")
    OFF_TOPIC = "off_topic", _("Not about a public service")
    DUPLICATE = "duplicate", _("Duplicates a published proposal")
    OUTSIDE_REMIT = "outside_remit", _("Outside this unit's remit")


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not published")
    APPEALED = "appealed", _("Appealed")


class ParticipationSettings(TimeStampedModel):
    """A unit's rule: this many counted supports require a public answer within so many days."""

    unit = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="participation_settings"
    )
    support_threshold = models.PositiveIntegerField()
    answer_days = models.PositiveIntegerField()
    accepting = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(support_threshold__gte=1), name="participation_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(answer_days__gte=1, answer_days__lte=365),
                name="participation_answer_days_range",
            ),
        ]


class Proposal(TimeStampedModel):
    unit = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="citizen_proposals"
    )
    author = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    title = models.CharField(max_length=140)
    body = models.TextField(max_length=4000)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    redaction_counts = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    moderation_reason = models.CharField(
        max_length=20, choices=ModerationReason.choices, blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    appeal_text = models.TextField(max_length=2000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    # the portfolio problem staff made of it: the link lives here, portfolio knows nothing of it
    problem = models.OneToOneField(
        Problem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_proposal",
    )
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answer_overdue_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(max_length=4000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    client_hash = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class SupportStatus(models.TextChoices):
    COUNTED = "counted", _("Counted")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Not counted after review")


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="supports")
    email_key = models.CharField(max_length=254)
    email_domain = models.CharField(max_length=254)
    client_hash = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=10, choices=SupportStatus.choices, default=SupportStatus.COUNTED
    )
    held_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "citizen"],
                condition=Q(withdrawn_at__isnull=True),
                name="participation_one_active_support_per_citizen",
                violation_error_message=_("You already support this proposal."),
            ),
            models.UniqueConstraint(
                fields=["proposal", "email_key"],
                condition=Q(withdrawn_at__isnull=True),
                name="participation_one_active_support_per_email",
                violation_error_message=_("This e-mail address already supports this proposal."),
            ),
        ]

    def __str__(self) -> str:
        return f"support {self.pk} of proposal {self.proposal_id}"


class Comment(TimeStampedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(max_length=2000)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    redaction_counts = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    moderation_reason = models.CharField(
        max_length=20, choices=ModerationReason.choices, blank=True
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    appeal_text = models.TextField(max_length=2000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    client_hash = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class Follow(models.Model):
    """Who follows a proposal (and, once triaged, the portfolio problem made of it)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proposal_follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person"], name="participation_one_follow_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} follows proposal {self.proposal_id}"


def counted_supports() -> models.Count:
    """Annotation: a proposal's counted, not withdrawn supports, from the rows."""
    return models.Count(
        "supports",
        filter=Q(supports__status=SupportStatus.COUNTED, supports__withdrawn_at__isnull=True),
        distinct=True,
    )
