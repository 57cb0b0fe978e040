"""Surveys, responses (free text stored only after redaction), themes and profile targets.

A survey and each response link to the experiments app's service and iteration by foreign key
(`service`, `iteration`), resolved within the survey's own unit when the response arrives; the
tags a service's page sends (`service_key`, `iteration_key`, `variant`) are kept as sent. Every
read joins on the foreign keys, never on the tags, so two units with a service of the same name
never share feedback (ADR 0011, docs/feedback/README.md "Linking").
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.experiments.models import Iteration, Service
from civicloop.portfolio.models import Kpi, Problem, TargetGroup


class SurveyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("survey status", "Open")
    CLOSED = "closed", _("Closed")


class Survey(TimeStampedModel):
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="surveys")
    # The agency whose officials may read the results (the problem's owner when linked).
    agency = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    slug = models.SlugField(max_length=40, unique=True, help_text="Public address of the survey")
    title = models.JSONField(default=dict, help_text="Title per language code")
    intro = models.JSONField(default=dict, blank=True)
    consent = models.JSONField(default=dict, help_text="Consent text per language code")
    languages = models.JSONField(default=list)
    service_key = models.CharField(max_length=100, blank=True)
    iteration_key = models.CharField(max_length=100, blank=True)
    variant = models.CharField(max_length=60, blank=True)
    # The service and iteration of the survey's unit the tags above name (None: none or several).
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback_surveys"
    )
    iteration = models.ForeignKey(
        Iteration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_surveys",
    )
    retention_days = models.PositiveIntegerField(default=365)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default="open")
    templates = models.JSONField(default=list, blank=True)
    # Origins (scheme://host[:port]) whose pages may show the widget in a frame.
    embed_origins = models.JSONField(default=list, blank=True)
    # People's theme decisions (civicloop.text.ThemeEdits.to_dict), applied on every run.
    theme_edits = models.JSONField(default=dict, blank=True)
    feeds_kpi = models.ForeignKey(
        Kpi, null=True, blank=True, on_delete=models.SET_NULL, related_name="feeding_surveys"
    )
    # The feed records measurements on behalf of the person who set it up.
    feed_owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_days__gte=1, retention_days__lte=3650),
                name="survey_retention_1_3650_days",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SurveyStatus.values), name="survey_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title_in("en")

    def title_in(self, language: str) -> str:
        return (
            self.title.get(language)
            or self.title.get("en")
            or next(iter(self.title.values()), self.slug)
        )

    def text_in(self, field: str, language: str) -> str:
        values = getattr(self, field) or {}
        return values.get(language) or values.get("en") or ""


class QuestionKind(models.TextChoices):
    SCALE = "scale", pgettext_lazy("question kind", "Scale")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Free text")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.JSONField(default=dict, help_text="Question text per language code")
    # Scale: min..max with optional labels per point {"1": {"en": .., "es": ..}}.
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    # Choice: [{"value": "65+", "en": "65 or over", "es": "65 o más"}, ...]
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    # What the answer measures: cx:<driver>, govuk, csat, nps, sus:<item>, or "" (custom).
    construct = models.CharField(max_length=30, blank=True)
    profile_dimension = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="question_unique_key"),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="scale")
                | Q(
                    scale_min__isnull=False,
                    scale_max__isnull=False,
                    scale_max__gt=models.F("scale_min"),
                ),
                name="question_scale_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def text_in(self, language: str) -> str:
        return self.text.get(language) or self.text.get("en") or self.key


class Channel(models.TextChoices):
    HOSTED = "hosted", _("Hosted page")
    WIDGET = "widget", _("Embedded widget")
    API = "api", _("App or kiosk (API)")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    submitted_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    language = models.CharField(max_length=8, default="en")
    service_key = models.CharField(max_length=100, blank=True, db_index=True)
    iteration_key = models.CharField(max_length=100, blank=True, db_index=True)
    variant = models.CharField(max_length=60, blank=True)
    # Resolved from the tags within the survey's unit; readers join on these, never on the tags.
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_responses",
    )
    iteration = models.ForeignKey(
        Iteration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_responses",
    )
    page = models.CharField(max_length=300, blank=True, help_text="Path only, no query string")
    respondent_id = models.CharField(
        max_length=128,
        blank=True,
        db_index=True,
        help_text="Pseudonymous unit id passed by the service",
    )
    profile = models.JSONField(default=dict, blank=True)
    # SHA-256 of the survey, the (hashed) client and the redacted answers: duplicate detection.
    fingerprint = models.CharField(max_length=64, db_index=True)
    redactions = models.JSONField(default=dict, blank=True, help_text="Counts per PII type")

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["survey", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="response_channel_valid"
            )
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"


class Theme(TimeStampedModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="themes")
    key = models.CharField(max_length=20, help_text="t1.. from a run, h1.. once a person edited it")
    label = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    keywords = models.JSONField(default=list, blank=True)
    quotes = models.JSONField(default=list, blank=True)
    pinned = models.BooleanField(default=False)
    # The label in each language of the theme's comments, most comments first (see
    # `civicloop.text.theme_data.Theme.labels`); pages show the reader's (`theme_label`).
    labels = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-pinned", "-size", "key"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="theme_unique_key")]

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.SmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True, help_text="Redacted before it is stored")
    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment_label = models.CharField(max_length=10, blank=True)
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )

    class Meta:
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk}"


class ThemeRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ThemeRun(TimeStampedModel):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="theme_runs")
    status = models.CharField(max_length=10, choices=ThemeRunStatus.choices, default="queued")
    comments = models.PositiveIntegerField(default=0)
    themes = models.PositiveIntegerField(default=0)
    backend = models.CharField(max_length=10, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Theme run {self.pk} ({self.status})"


class ProfileTarget(TimeStampedModel):
    """The known make-up of a target group along one dimension, e.g. age band shares."""

    target_group = models.ForeignKey(
        TargetGroup, on_delete=models.CASCADE, related_name="feedback_profiles"
    )
    dimension = models.CharField(max_length=40)
    shares = models.JSONField(help_text='{"under_25": 0.2, "25_44": 0.4, ...} summing to 1')
    source = models.CharField(max_length=300, blank=True)
    # The date the figures describe (a census date, a register extract's date).
    as_of = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["target_group", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_group", "dimension"], name="profiletarget_unique_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_group} · {self.dimension}"
