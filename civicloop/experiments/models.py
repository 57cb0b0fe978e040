"""Services under improvement, their iterations, experiments, results and decisions."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from civicloop.analytics.models import Metric
from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.portfolio.models import Kpi, Problem


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("In person")
    MAIL = "mail", _("Post")


class Service(TimeStampedModel):
    """A public service under improvement."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    owner_agency = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="owned_services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    channels = models.JSONField(default=list, blank=True)
    annual_volume = models.PositiveBigIntegerField(help_text="Transactions per year")
    cost_per_transaction = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217")
    problems = models.ManyToManyField(Problem, related_name="services", blank=True)
    kpis = models.ManyToManyField(Kpi, related_name="services", blank=True)
    shared_with = models.ManyToManyField(
        Organization, related_name="shared_services", blank=True, help_text="Vendors who may see it"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="service_unique_name"),
            models.CheckConstraint(
                condition=Q(cost_per_transaction__gte=0), name="service_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def daily_volume(self) -> float:
        return self.annual_volume / 365.0


class IterationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    DECIDED = "decided", _("Decided")


class Iteration(TimeStampedModel):
    """One version of a service: what changes, why, and how it will be judged."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="iterations")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    what_changes = models.TextField()
    # "If we <change>, then <metric> for <group> improves by <effect>, because <because>."
    hypothesis_change = models.CharField(max_length=300)
    hypothesis_metric = models.CharField(max_length=200)
    hypothesis_group = models.CharField(max_length=200)
    hypothesis_effect = models.CharField(max_length=100)
    hypothesis_because = models.CharField(max_length=500)
    starts_on = models.DateField()
    ends_on = models.DateField()
    evaluation_plan = models.TextField()
    status = models.CharField(
        max_length=10, choices=IterationStatus.choices, default=IterationStatus.PLANNED
    )
    # Hook for the feedback app: a summary of citizen feedback for this iteration.
    feedback_summary = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["service", "number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="iteration_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="iteration_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} #{self.number}: {self.title}"

    @property
    def hypothesis(self) -> str:
        return (
            f"If we {self.hypothesis_change}, then {self.hypothesis_metric} for "
            f"{self.hypothesis_group} improves by {self.hypothesis_effect}, because "
            f"{self.hypothesis_because}."
        )


class Design(models.TextChoices):
    AB = "ab", _("Randomised A/B/n")
    ROLLOUT = "rollout", _("Staged rollout (randomised)")
    DID = "did", _("Pilot against comparison sites (difference-in-differences)")
    STAGGERED = "staggered", _("Pilot with staggered start (Callaway–Sant'Anna)")
    ITS = "its", _("Before/after (interrupted time series)")
    SYNTH = "synth", _("Synthetic control")


RANDOMISED = {Design.AB, Design.ROLLOUT}
SITE_DESIGNS = {Design.DID, Design.STAGGERED, Design.ITS, Design.SYNTH}


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")


# The code of the error a second experiment with a unit's key gets (see Experiment).
KEY_TAKEN = "experiment_key_taken"


class Experiment(TimeStampedModel):
    iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, related_name="experiments")
    # The service's unit, copied here so that keys are unique per organisation in the database
    # (events name experiments by key within the sending unit's own store).
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="experiments")
    key = models.SlugField(
        max_length=64,
        help_text="Used by the SDK, the events and the assignment API (unique per unit)",
    )
    title = models.CharField(max_length=200)
    design = models.CharField(max_length=10, choices=Design.choices)
    status = models.CharField(
        max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT
    )
    # Assignment (randomised designs): [{"key": "control", "weight": 1}, ...]
    variants = models.JSONField(default=list, blank=True)
    control_variant = models.CharField(max_length=64, default="control", blank=True)
    salt = models.CharField(max_length=64, blank=True)
    traffic_bp = models.PositiveIntegerField(
        default=10_000, help_text="Share of units in basis points"
    )
    layer = models.CharField(max_length=64, blank=True)
    layer_start = models.PositiveIntegerField(default=0)
    layer_end = models.PositiveIntegerField(default=10_000)
    alpha = models.FloatField(default=0.05)
    analysis_plan = models.TextField()
    planned_days = models.PositiveIntegerField(default=28)
    intervention_date = models.DateField(
        null=True, blank=True, help_text="Non-randomised designs: first treated period"
    )
    min_units_per_variant = models.PositiveIntegerField(default=100)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    locked_plan = models.JSONField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    # The django-tasks result of the last "Refresh results": its status is read from the task
    # backend (django-tasks-db), never copied here.
    refresh_task_id = models.CharField(max_length=64, blank=True, default="")
    # Refreshes send the compiled metric SQL to the unit's warehouse instead of the embedded
    # store (docs/analytics/warehouse.md).
    analysed_in_warehouse = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "key"], name="experiment_unique_key_per_unit"),
            models.CheckConstraint(
                condition=Q(design__in=Design.values), name="experiment_design_valid"
            ),
            models.CheckConstraint(
                condition=Q(traffic_bp__lte=10_000), name="experiment_traffic_at_most_all"
            ),
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True) | Q(locked_plan__isnull=False),
                name="experiment_lock_has_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def unique_error_message(self, model_class, unique_check):  # type: ignore[no-untyped-def]
        if tuple(unique_check) == ("unit", "key"):
            # Only the unit's own keys are compared: another unit's keys are never revealed.
            return ValidationError(
                _("Your unit already has an experiment with the key '%(key)s'; choose another."),
                code=KEY_TAKEN,
                params={"key": self.key},
            )
        return super().unique_error_message(model_class, unique_check)

    def validate_constraints(self, exclude=None):  # type: ignore[no-untyped-def]
        """The (unit, key) constraint names the field the person chose: `key`."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == KEY_TAKEN]
            if taken:
                errors.setdefault("key", []).extend(taken)
            rest = [e for e in general if e not in taken]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    @property
    def is_randomised(self) -> bool:
        return self.design in RANDOMISED


class MetricRole(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")
    GUARDRAIL = "guardrail", _("Guardrail")


class ExperimentMetric(models.Model):
    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="metric_links"
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="experiment_links")
    role = models.CharField(max_length=10, choices=MetricRole.choices)
    non_inferiority_margin = models.FloatField(
        null=True, blank=True, help_text="Guardrails: the largest acceptable harm (absolute)"
    )

    class Meta:
        ordering = ["experiment", "role", "metric__name"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "metric"], name="expmetric_unique"),
            models.UniqueConstraint(
                fields=["experiment"], condition=Q(role="primary"), name="expmetric_one_primary"
            ),
            models.CheckConstraint(
                condition=~Q(role="guardrail") | Q(non_inferiority_margin__gt=0),
                name="expmetric_guardrail_has_margin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment} · {self.metric} ({self.role})"


class PlanDeviation(models.Model):
    """A change to a pre-registered plan after it was locked."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="deviations")
    field = models.CharField(max_length=60)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="deviation_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment}: {self.field} changed"


class SiteObservation(models.Model):
    """A site's outcome in one period (pilots, before/after, synthetic control)."""

    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="site_observations"
    )
    site = models.CharField(max_length=120)
    period = models.DateField()
    outcome = models.FloatField()
    treated = models.BooleanField(default=False)

    class Meta:
        ordering = ["experiment", "site", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "site", "period"], name="siteobs_one_per_site_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.period}: {self.outcome}"


class ResultSnapshot(models.Model):
    """Results of one refresh: everything the results page and the API show."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField(db_index=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    maryland_sms = models.PositiveSmallIntegerField(null=True, blank=True)
    nesta_level = models.PositiveSmallIntegerField(null=True, blank=True)
    warnings = models.JSONField(default=list)
    # Where the statistics were computed ("embedded store" or e.g. "PostgreSQL warehouse
    # postgresql://analyst@wh/events") and the SQL sent there: [{"metric": key, "sql": ...}].
    analysed_in = models.CharField(max_length=600, blank=True, default="")
    queries = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.experiment} @ {self.computed_at:%Y-%m-%d %H:%M}"


class DecisionKind(models.TextChoices):
    ITERATE = "iterate", _("Iterate")
    PIVOT = "pivot", _("Pivot")
    SCALE = "scale", pgettext_lazy("decision", "Scale")
    STOP = "stop", _("Stop")


class StopReason(models.TextChoices):
    NONE = "", _("Not stopped early")
    HARM = "harm", _("Stopped early for harm")
    FUTILITY = "futility", _("Stopped early for futility")


class Decision(models.Model):
    iteration = models.OneToOneField(Iteration, on_delete=models.CASCADE, related_name="decision")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    stop_reason = models.CharField(max_length=10, choices=StopReason.choices, blank=True)
    rationale = models.TextField()
    cited_results = models.ManyToManyField(ResultSnapshot, related_name="cited_by")
    evidence_summary = models.JSONField(default=list)
    feedback_summary = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by_label = models.CharField(max_length=200, blank=True)
    problem_stage_moves = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_needs_rationale"),
            models.CheckConstraint(
                condition=Q(stop_reason="") | Q(kind="stop"), name="decision_early_stop_is_stop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.iteration}: {self.kind}"
