"""Public summaries of decided iterations ("You said, we did").

A summary is drafted from an iteration's decision, the results it cites and the citizen
feedback themes (`services.summary_draft`), edited by the unit's staff and published; only a
published summary is public. What the public page shows is held here, copied at drafting time
and edited by people: the portal never reads a decision, a result or a comment at request time,
so nothing the unit did not approve for publication can appear.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.experiments.models import Iteration


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PublicSummary(TimeStampedModel):
    iteration = models.OneToOneField(
        Iteration, on_delete=models.CASCADE, related_name="public_summary"
    )
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT
    )
    title = models.CharField(max_length=200)
    service_name = models.CharField(max_length=200)
    # What citizens said: a plain paragraph, and the themes it came from (label and size only).
    said = models.TextField(blank=True)
    feedback_responses = models.PositiveIntegerField(null=True, blank=True)
    themes = models.JSONField(default=list, blank=True)
    # What was tried, and what it changed (the decision in plain words).
    tried = models.TextField(blank=True)
    changed = models.TextField(blank=True)
    decision_kind = models.CharField(max_length=10, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The measured effect of the cited result, with its interval and unit.
    effect_label = models.CharField(max_length=200, blank=True)
    effect_estimate = models.FloatField(null=True, blank=True)
    effect_ci_low = models.FloatField(null=True, blank=True)
    effect_ci_high = models.FloatField(null=True, blank=True)
    effect_unit = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True, help_text="e.g. 0.95")
    nesta_level = models.PositiveSmallIntegerField(null=True, blank=True)
    drafted_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SummaryStatus.values), name="summary_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="summary_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(effect_estimate__isnull=True)
                | Q(effect_ci_low__isnull=True)
                | Q(effect_ci_high__isnull=True)
                | Q(
                    effect_ci_low__lte=F("effect_estimate"),
                    effect_ci_high__gte=F("effect_estimate"),
                ),
                name="summary_interval_holds_estimate",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == SummaryStatus.PUBLISHED
