"""Metric definitions as first-class, reusable objects (the engine's MetricDefinition)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicloop.analytics.metrics import MetricDefinition
from civicloop.core.models import Organization, TimeStampedModel


class MetricSource(models.TextChoices):
    EVENTS = "events", _("Service events (per person, for randomised experiments)")
    SITES = "sites", _("Site-level outcomes (per site and period, for pilots and before/after)")


class Aggregation(models.TextChoices):
    COUNT = "count", _("Count of events")
    SUM = "sum", _("Sum of values")
    MEAN = "mean", _("Mean of values")
    ANY = "any", _("Conversion (at least one event)")
    PERCENTILE = "percentile", _("Percentile of values")
    RATIO = "ratio", _("Ratio of two metrics")


class Metric(TimeStampedModel):
    """A metric of a unit, reused across experiments."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="metrics")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(
        max_length=10, choices=MetricSource.choices, default=MetricSource.EVENTS
    )
    aggregation = models.CharField(max_length=12, choices=Aggregation.choices, blank=True)
    event_name = models.CharField(max_length=128, blank=True)
    window_hours = models.PositiveIntegerField(null=True, blank=True)
    pre_window_hours = models.PositiveIntegerField(default=168)
    percentile = models.FloatField(null=True, blank=True)
    numerator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    custom_sql = models.TextField(blank=True)
    higher_is_better = models.BooleanField(default=True)
    unit_label = models.CharField(max_length=30, blank=True, help_text="%, days, EUR…")

    class Meta:
        ordering = ["unit", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="metric_unique_key_per_unit"),
            models.CheckConstraint(
                condition=Q(source__in=MetricSource.values), name="metric_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(source="sites", aggregation="")
                | Q(source="events") & Q(aggregation__in=Aggregation.values),
                name="metric_aggregation_matches_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_event_metric(self) -> bool:
        return self.source == MetricSource.EVENTS

    def definition(self) -> MetricDefinition:
        """The engine's definition of this metric (event metrics only)."""
        if not self.is_event_metric:
            raise ValueError("site-level metrics are read from site observations, not events")
        if self.aggregation == Aggregation.RATIO:
            assert self.numerator is not None
            assert self.denominator is not None
            return MetricDefinition(
                key=self.key,
                aggregation="ratio",
                numerator=self.numerator.definition(),
                denominator=self.denominator.definition(),
            )
        return MetricDefinition(
            key=self.key,
            aggregation=self.aggregation,  # type: ignore[arg-type]
            event_name=self.event_name or None,
            window_hours=self.window_hours,
            pre_window_hours=self.pre_window_hours,
            percentile=self.percentile,
            custom_sql=self.custom_sql or None,
        )

    @property
    def stats_type(self) -> str:
        """The metric type the stats engine analyses: proportion, mean or ratio."""
        if self.aggregation == Aggregation.ANY:
            return "proportion"
        if self.aggregation == Aggregation.RATIO:
            return "ratio"
        return "mean"


class WarehouseSettings(TimeStampedModel):
    """Where one unit's experiments marked "analysed in the warehouse" are computed.

    Overrides CIVICLOOP_WAREHOUSE_URL / _EVENTS_TABLE for this unit (on a host the operator
    allows). The URL never holds a password: ``password_secret`` is empty or the unit's own
    variable name, ``CIVICLOOP_WAREHOUSE_PASSWORD_UNIT_<id>`` (docs/analytics/warehouse.md
    "Passwords").
    """

    unit = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="warehouse_settings"
    )
    url = models.CharField(max_length=500, blank=True)
    events_table = models.CharField(max_length=200, blank=True)
    password_secret = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.unit}: {self.url or 'installation default'}"
