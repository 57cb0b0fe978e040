"""Scalability assessments (ISAT), obstacles, replication plans, sandboxes and lessons."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.evidence.models import Design, EffectEstimate
from civicloop.portfolio.models import Problem


class Domain(models.TextChoices):
    """The ten domains of the Intervention Scalability Assessment Tool (Milat et al. 2020)."""

    PROBLEM = "problem", _("A1 The problem")
    INTERVENTION = "intervention", _("A2 The intervention")
    CONTEXT = "context", _("A3 Strategic and political context")
    EFFECTIVENESS = "effectiveness", _("A4 Evidence of effectiveness")
    COSTS = "costs", _("A5 Costs and benefits")
    FIDELITY = "fidelity", _("B1 Fidelity and adaptation")
    REACH = "reach", _("B2 Reach and acceptability")
    WORKFORCE = "workforce", _("B3 Delivery setting and workforce")
    INFRASTRUCTURE = "infrastructure", _("B4 Implementation infrastructure")
    SUSTAINABILITY = "sustainability", _("B5 Sustainability")


PART_A = [Domain.PROBLEM, Domain.INTERVENTION, Domain.CONTEXT, Domain.EFFECTIVENESS, Domain.COSTS]
PART_B = [
    Domain.FIDELITY,
    Domain.REACH,
    Domain.WORKFORCE,
    Domain.INFRASTRUCTURE,
    Domain.SUSTAINABILITY,
]


class ScalabilityAssessment(TimeStampedModel):
    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="scalability_assessments"
    )
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True, help_text="Where and how far the scale-up would go")
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class AssessmentScore(TimeStampedModel):
    """One assessor's rating of one domain: 1 (major concerns) to 5 (strong, ready)."""

    assessment = models.ForeignKey(
        ScalabilityAssessment, on_delete=models.CASCADE, related_name="scores"
    )
    assessor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    domain = models.CharField(max_length=20, choices=Domain.choices)
    score = models.PositiveSmallIntegerField()
    evidence = models.TextField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "domain", "assessor"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "assessor", "domain"],
                name="assessmentscore_one_per_assessor_domain",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="assessmentscore_1_5"
            ),
            models.CheckConstraint(
                condition=Q(domain__in=Domain.values), name="assessmentscore_domain_valid"
            ),
        ]


class ObstacleKind(models.TextChoices):
    RELUCTANCE = "reluctance", _("Officials' reluctance to change")
    REGULATION = "regulation", _("Regulatory barrier")
    CAPACITY = "capacity", _("Lack of capacity to implement")
    BUDGET = "budget", _("Budget")
    OTHER = "other", _("Other")


class ObstacleStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("obstacle status", "Open")
    MITIGATING = "mitigating", _("Being mitigated")
    RESOLVED = "resolved", _("Resolved")
    ACCEPTED = "accepted", _("Accepted (no action)")


OPEN_OBSTACLE_STATUSES = [ObstacleStatus.OPEN, ObstacleStatus.MITIGATING]


class SandboxStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ELIGIBLE = "eligible", _("Eligible, plan being agreed")
    REJECTED = "rejected", _("Not eligible")
    ACTIVE = "active", _("Testing")
    EXTENDED = "extended", _("Testing (extended)")
    EXITED = "exited", _("Exited")


class Sandbox(TimeStampedModel):
    """A regulatory sandbox: a time-boxed test of what current rules forbid, with safeguards."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sandboxes")
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="sandboxes"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    public_summary = models.TextField(help_text="Shown on the public registry: no personal data")
    regulator = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=SandboxStatus.choices, default=SandboxStatus.APPLIED
    )
    # Eligibility, after the FCA's sandbox criteria: each answered with a justification.
    in_scope = models.BooleanField(null=True)
    genuine_innovation = models.BooleanField(null=True)
    citizen_benefit = models.BooleanField(null=True)
    readiness = models.BooleanField(null=True)
    need = models.BooleanField(null=True)
    eligibility_notes = models.JSONField(default=dict, blank=True)
    # The plan.
    rule_waived = models.TextField(blank=True)
    relaxation = models.TextField(blank=True, help_text="Waived outright, or how it is relaxed")
    safeguards = models.TextField(blank=True)
    participants = models.TextField(blank=True, help_text="Who takes part (groups, not names)")
    participant_limit = models.PositiveIntegerField(null=True, blank=True)
    exit_criteria = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    extended_until = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    exit_report = models.TextField(blank=True)
    exited_on = models.DateField(null=True, blank=True)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gt=F("starts_on")),
                name="sandbox_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(extended_until__isnull=True) | Q(extended_until__gt=F("ends_on")),
                name="sandbox_extension_after_end",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SandboxStatus.values), name="sandbox_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_end(self):
        return self.extended_until or self.ends_on


class SandboxReport(TimeStampedModel):
    """A monitoring report during the test (aggregates only)."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="reports")
    period_end = models.DateField()
    participants = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    safeguards_held = models.BooleanField(default=True)
    summary = models.TextField()

    class Meta:
        ordering = ["sandbox", "period_end"]


class Obstacle(TimeStampedModel):
    """Something that could stop the scale-up, owned and mitigated like a risk."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="obstacles")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="obstacles")
    service = models.ForeignKey(
        "experiments.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="obstacles",
    )
    jurisdiction = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="obstacles_here",
    )
    sandbox = models.ForeignKey(
        Sandbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="obstacles"
    )
    proposed_rule_change = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=ObstacleKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.PositiveSmallIntegerField(help_text="1 (minor) to 5 (blocks scaling)")
    likelihood = models.PositiveSmallIntegerField(help_text="1 (rare) to 5 (almost certain)")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_label = models.CharField(max_length=200, blank=True)
    mitigation = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ObstacleStatus.choices, default=ObstacleStatus.OPEN
    )
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "-likelihood", "due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="obstacle_severity_1_5"
            ),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="obstacle_likelihood_1_5"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ObstacleKind.values), name="obstacle_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ObstacleStatus.values), name="obstacle_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        """The label typed in, else the owner's name read live: never copied into the row, so
        erasing the person leaves no copy of their name here or in the audit trail."""
        if self.owner_label:
            return self.owner_label
        return self.owner.display_name if self.owner is not None else ""

    def is_overdue(self, today: date) -> bool:
        """Still open (or being mitigated) after its due date."""
        return bool(
            self.due_date and self.due_date < today and self.status in OPEN_OBSTACLE_STATUSES
        )


class SandboxLearning(TimeStampedModel):
    """What the sandbox taught about the rules, and the obstacles it addresses."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="learnings")
    learning = models.TextField()
    recommendation = models.TextField(blank=True, help_text="The rule change it supports")
    obstacles = models.ManyToManyField(Obstacle, related_name="learnings", blank=True)

    class Meta:
        ordering = ["sandbox", "created_at"]


class ReplicationPlan(TimeStampedModel):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="replication_plans")
    title = models.CharField(max_length=200)
    effect = models.ForeignKey(
        EffectEstimate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the effect was picked from an experiment's results rather than the recorded effects.
    experiment = models.ForeignKey(
        "experiments.Experiment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the effect's figures come from (a recorded effect's source, or the experiment results).
    effect_source = models.CharField(max_length=300, blank=True)
    # The unit the effect (and τ as entered) is in, and the factor that turns it into outcome
    # units: benefit = ±effect × outcome_scale, τ (stored) = τ (entered) × outcome_scale.
    effect_unit = models.CharField(max_length=30, blank=True)
    outcome_scale = models.FloatField(default=1.0)
    # The benefit per transaction (positive = good) in outcome units, copied when planned.
    benefit = models.FloatField()
    benefit_std_error = models.FloatField()
    tau = models.FloatField(
        help_text="Between-site standard deviation of the effect, in outcome units (the "
        "benefit's scale: τ as entered in the effect's unit × outcome_scale)"
    )
    horizon_years = models.PositiveSmallIntegerField(default=5)
    draws = models.PositiveIntegerField(default=20_000)
    seed = models.PositiveIntegerField(default=20261126)
    has_replication_manual = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="EUR")
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(benefit_std_error__gte=0, tau__gte=0),
                name="replplan_se_tau_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1, horizon_years__lte=30),
                name="replplan_horizon_1_30",
            ),
            models.CheckConstraint(
                condition=Q(draws__gte=1000, draws__lte=200_000), name="replplan_draws_bounded"
            ),
            models.CheckConstraint(
                condition=Q(outcome_scale__gt=0), name="replplan_scale_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effect_estimate(self) -> float:
        """The projected effect in the effect's own unit (signed so that positive is good)."""
        return self.benefit / self.outcome_scale

    @property
    def effect_std_error(self) -> float:
        return self.benefit_std_error / self.outcome_scale

    @property
    def tau_in_effect_unit(self) -> float:
        """τ as the planner entered it, in the effect's unit."""
        return self.tau / self.outcome_scale


class ReplicationCandidate(TimeStampedModel):
    plan = models.ForeignKey(ReplicationPlan, on_delete=models.CASCADE, related_name="candidates")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    population = models.PositiveBigIntegerField(null=True, blank=True)
    annual_volume = models.PositiveIntegerField()
    cost_per_transaction = models.DecimalField(max_digits=12, decimal_places=2)
    # Money (plan's currency) per outcome unit: entered for each candidate, never assumed.
    value_per_outcome_unit = models.DecimalField(max_digits=12, decimal_places=4)
    context_similarity = models.FloatField(help_text="0 (unlike the original site) to 1 (alike)")
    one_off_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    annual_running_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["plan", "-context_similarity", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(context_similarity__gte=0, context_similarity__lte=1),
                name="candidate_similarity_0_1",
            ),
            models.UniqueConstraint(fields=["plan", "name"], name="candidate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Replication(TimeStampedModel):
    """A replication actually run elsewhere, compared with the original effect."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="replications")
    original = models.ForeignKey(
        EffectEstimate, on_delete=models.CASCADE, related_name="replications"
    )
    site = models.CharField(max_length=200)
    jurisdiction = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    estimate = models.FloatField(help_text="On the original's scale and sign")
    std_error = models.FloatField()
    design = models.CharField(max_length=30, choices=Design.choices)
    independent = models.BooleanField(help_text="Run and analysed by a team independent of ours")
    completed_on = models.DateField()
    notes = models.TextField(blank=True)
    # When the replication ran as an experiment in CivicLoop, its measured primary effect (latest
    # successful results) replaces the figures above, times `experiment_scale`.
    experiment = models.ForeignKey(
        "experiments.Experiment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    experiment_scale = models.FloatField(
        default=1.0,
        help_text="Multiply the experiment's effect by this to reach the original's scale "
        "(100 turns a proportion into percentage points)",
    )
    # Where `estimate` and `std_error` come from when measured: "experiment <key>, results of …".
    measured_source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["problem", "completed_on"]
        constraints = [
            models.CheckConstraint(condition=Q(std_error__gt=0), name="replication_se_positive"),
            models.CheckConstraint(
                condition=Q(experiment_scale__gt=0), name="replication_scale_positive"
            ),
        ]

    @property
    def measured(self) -> bool:
        """True when the figures are an experiment's measured results, not typed in."""
        return bool(self.measured_source)


class LessonOutcome(models.TextChoices):
    SUCCESS = "success", _("Worked")
    FAILURE = "failure", _("Did not work")
    MIXED = "mixed", _("Mixed")


class Lesson(TimeStampedModel):
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="lessons")
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    iteration_label = models.CharField(
        max_length=200, blank=True, help_text="The iteration it comes from, if any"
    )
    title = models.CharField(max_length=200)
    context = models.TextField(blank=True)
    what_we_learnt = models.TextField()
    outcome = models.CharField(max_length=10, choices=LessonOutcome.choices)
    tags = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
