"""Figures an analyst records by hand for impact reports, and shareable report links.

When the experiments and feedback apps hold the same facts, `civicloop.evidence.inputs` reads
them there first; these models are the explicit fallback, each row naming its source.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Person, TimeStampedModel
from civicloop.portfolio.models import Problem
from civicloop.stats.evidence import DESIGNS
from civicloop.web import numbers

# The designs' names; the codes are the stats engine's (`stats.evidence.DESIGNS`, the one list).
DESIGN_NAMES = {
    "rct": _("Randomised controlled trial"),
    "rdd": _("Regression discontinuity"),
    "iv": _("Instrumental variables"),
    "did": _("Difference-in-differences"),
    "staggered_did": _("Staggered difference-in-differences"),
    "synthetic_control": _("Synthetic control"),
    "its": _("Interrupted time series"),
    "before_after_controls": _("Before/after with controls"),
    "cross_section_controls": _("Cross-section with controls"),
    "before_after": _("Simple before/after"),
    "correlation": _("Correlation"),
}
# A design without a name fails here, at import, with a KeyError naming it.
Design = models.TextChoices(  # type: ignore[call-overload]
    "Design", [(code.upper(), (code, DESIGN_NAMES[code])) for code in DESIGNS]
)


class EffectRole(models.TextChoices):
    PRIMARY = "primary", _("Primary outcome")
    SATISFACTION = "satisfaction", _("Satisfaction")
    COMPLETION = "completion", _("Completion rate")
    WAITING_TIME = "waiting_time", _("Waiting time")
    OTHER = "other", _("Other outcome")


class EffectEstimate(TimeStampedModel):
    """A causal effect (treatment − comparison) recorded by an analyst, with its design."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="effect_estimates")
    service_name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=EffectRole.choices, default=EffectRole.PRIMARY)
    unit = models.CharField(max_length=30, help_text="pp, %, days, EUR…")
    lower_is_better = models.BooleanField(default=False)
    # Empty = everyone; otherwise the name of the target group the estimate is restricted to.
    group = models.CharField(max_length=200, blank=True)
    estimate = models.FloatField()
    std_error = models.FloatField()
    design = models.CharField(max_length=30, choices=Design.choices)
    srm_p_value = models.FloatField(null=True, blank=True)
    balance_smd = models.FloatField(null=True, blank=True)
    attrition = models.FloatField(null=True, blank=True)
    pretrend_p_value = models.FloatField(null=True, blank=True)
    comparison_group_justified = models.BooleanField(default=True)
    independent_replications = models.PositiveSmallIntegerField(default=0)
    replication_system = models.BooleanField(default=False)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["problem", "role", "group", "outcome"]
        constraints = [
            models.CheckConstraint(condition=Q(std_error__gte=0), name="effect_se_not_negative"),
            models.CheckConstraint(condition=Q(design__in=DESIGNS), name="effect_design_valid"),
            models.CheckConstraint(
                condition=Q(role__in=EffectRole.values), name="effect_role_valid"
            ),
        ]

    def __str__(self) -> str:
        estimate = numbers.significant(float(self.estimate), 3, sign=True)
        return f"{self.outcome}: {estimate} {self.unit}"


class ServiceFigures(TimeStampedModel):
    """Volume, unit cost and intervention cost of a service, as entered by an analyst."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="service_figures")
    service_name = models.CharField(max_length=200)
    annual_volume = models.PositiveIntegerField()
    volume_std_error = models.FloatField(default=0)
    cost_per_transaction = models.DecimalField(max_digits=12, decimal_places=2)
    # Money value of one unit of the primary outcome per transaction (1 when the effect is money).
    # Null when not entered: the report then names it instead of computing savings from a guess.
    value_per_outcome_unit = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    outcome_scale = models.FloatField(
        default=1.0, help_text="Multiply the effect by this to get outcome units (0.01 for pp)."
    )
    # Null when not entered (0 is a real answer: no such cost).
    one_off_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    annual_running_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default="EUR")
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["problem", "service_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "service_name"], name="servicefigures_unique_per_problem"
            ),
            models.CheckConstraint(
                condition=Q(volume_std_error__gte=0), name="servicefigures_volume_se_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cost_per_transaction__gte=0), name="servicefigures_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.service_name


class CitizenTheme(TimeStampedModel):
    """What citizens said, summarised as a theme (entered by hand when feedback is absent)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="citizen_themes")
    label = models.CharField(max_length=200)
    mentions = models.PositiveIntegerField(default=0)
    sentiment = models.FloatField(default=0, help_text="-1 (negative) to 1 (positive)")
    summary = models.TextField(blank=True)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["problem", "-mentions", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sentiment__gte=-1, sentiment__lte=1), name="theme_sentiment_range"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SharedReportLink(TimeStampedModel):
    """A revocable, expiring link to a problem's executive summary. Only a hash is stored."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="shared_links")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    language = models.CharField(max_length=8, default="en")
    label = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.problem} ({self.prefix}…)"


class LinkDocument(models.TextChoices):
    PAGE = "page", _("Summary page")
    PDF = "pdf", _("PDF")


class SharedLinkView(models.Model):
    """One opening of a shared link: which link, which report, when, and what was opened.

    Deliberately no IP address, user agent, referrer or cookie: the reader has no account and
    the owner needs only to know that, and when, the summary was read. One insert per view,
    outside the hash-chained audit log (see docs/evidence/README.md).
    """

    link = models.ForeignKey(SharedReportLink, on_delete=models.CASCADE, related_name="views")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()
    document = models.CharField(max_length=4, choices=LinkDocument.choices)
    language = models.CharField(max_length=8)

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["link", "-viewed_at"], name="linkview_link_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(document__in=LinkDocument.values), name="linkview_document_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.link.prefix}… {self.viewed_at:%Y-%m-%d %H:%M}"
