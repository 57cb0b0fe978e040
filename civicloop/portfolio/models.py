"""Problems of specific social groups, their KPIs, baselines, targets and measurements."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civicloop.core.models import Organization, Person, TimeStampedModel


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    FRAMED = "framed", _("Framed")
    EXPLORING = "exploring", _("Exploring solutions")
    EXPERIMENTING = "experimenting", _("Experimenting")
    SCALING = "scaling", _("Scaling")
    CLOSED_SOLVED = "closed_solved", _("Closed: solved")
    CLOSED_ABANDONED = "closed_abandoned", _("Closed: abandoned")


# The gates in order; closing (solved or abandoned) may follow any open stage.
STAGE_ORDER = [Stage.IDENTIFIED, Stage.FRAMED, Stage.EXPLORING, Stage.EXPERIMENTING, Stage.SCALING]
CLOSED_STAGES = {Stage.CLOSED_SOLVED, Stage.CLOSED_ABANDONED}


class Facet(models.TextChoices):
    """OECD OPSI's four facets of public-sector innovation."""

    ENHANCEMENT = "enhancement", _("Enhancement-oriented")
    MISSION = "mission", _("Mission-oriented")
    ADAPTIVE = "adaptive", _("Adaptive")
    ANTICIPATORY = "anticipatory", _("Anticipatory")


class TargetGroup(TimeStampedModel):
    """A specific social group a problem affects (e.g. single-parent families on a waiting list)."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="target_groups")
    name = models.CharField(max_length=200)
    estimated_size = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    how_reached = models.TextField(blank=True, help_text="Channels and partners that reach them")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="targetgroup_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Problem(TimeStampedModel):
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="problems")
    owner_agency = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="owned_problems"
    )
    title = models.CharField(max_length=200)
    statement = models.TextField()
    causes = models.TextField(blank=True)
    facet = models.CharField(max_length=20, choices=Facet.choices)
    sdg_target = models.CharField(max_length=10, blank=True, help_text="e.g. 11.1 or 3.8")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDENTIFIED)
    target_groups = models.ManyToManyField(TargetGroup, related_name="problems", blank=True)
    tags = models.ManyToManyField(Tag, related_name="problems", blank=True)
    # Prioritisation inputs, each scored 1 (low) to 5 (high).
    impact = models.PositiveSmallIntegerField(default=3)
    reach = models.PositiveSmallIntegerField(default=3)
    urgency = models.PositiveSmallIntegerField(default=3)
    effort = models.PositiveSmallIntegerField(default=3)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The unit chose to show this problem on the public portal (statement, target groups, KPIs
    # and stage; never scores, causes or people). Set only by `services.problem_publish`.
    published = models.BooleanField(default=False, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="problem_impact_1_5"
            ),
            models.CheckConstraint(
                condition=Q(reach__gte=1, reach__lte=5), name="problem_reach_1_5"
            ),
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=5), name="problem_urgency_1_5"
            ),
            models.CheckConstraint(
                condition=Q(effort__gte=1, effort__lte=5), name="problem_effort_1_5"
            ),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="problem_stage_valid"),
            models.CheckConstraint(condition=Q(facet__in=Facet.values), name="problem_facet_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES


class StageTransition(models.Model):
    """A stage-gate decision: who moved the problem, when and why."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField()
    rationale = models.TextField(blank=True)
    skipped_gates = models.BooleanField(default=False)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(skipped_gates=False) | ~Q(rationale=""),
                name="transition_skip_needs_rationale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.from_stage or '—'} → {self.to_stage}"


class KpiCategory(models.TextChoices):
    SPENDING = "spending_efficiency", _("Spending efficiency")
    QUALITY = "service_quality", _("Service quality")
    OUTCOME = "outcome", _("Outcome")
    EQUITY = "equity", _("Equity")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Kpi(TimeStampedModel):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=KpiCategory.choices)
    template_key = models.CharField(max_length=40, blank=True)
    definition = models.TextField(blank=True)
    unit = models.CharField(max_length=30, help_text="%, EUR, days, count…")
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 when unit is money")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    baseline_value = models.DecimalField(max_digits=18, decimal_places=4)
    baseline_date = models.DateField()
    baseline_source = models.CharField(max_length=300)
    target_value = models.DecimalField(max_digits=18, decimal_places=4)
    target_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["problem", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gt=F("baseline_date")), name="kpi_target_after_baseline"
            ),
            models.CheckConstraint(
                condition=Q(category__in=KpiCategory.values), name="kpi_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="kpi_direction_valid"
            ),
            models.UniqueConstraint(fields=["problem", "name"], name="kpi_unique_name_per_problem"),
        ]

    def __str__(self) -> str:
        return self.name

    def _template_text(self, attribute: str, stored: str) -> str:
        """A built-in template's text in the reader's language, when the KPI kept it as is."""
        from civicloop.portfolio.kpi_templates import KPI_TEMPLATES

        template = KPI_TEMPLATES.get(self.template_key)
        if template is None:
            return stored
        with translation.override("en"):
            english = str(getattr(template, attribute))
        return str(getattr(template, attribute)) if stored == english else stored

    @property
    def display_name(self) -> str:
        """The name as readers see it: a template's untouched name is translated."""
        return self._template_text("name", self.name)

    @property
    def display_definition(self) -> str:
        """The definition as readers see it: a template's untouched one is translated."""
        return self._template_text("definition", self.definition)


class Measurement(TimeStampedModel):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    source = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "date"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date"], name="measurement_one_per_kpi_date")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} on {self.date}"
