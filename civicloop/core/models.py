"""Organisations, people, roles, API keys and the hash-chained audit log."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import available_timezones

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as "Europe/Madrid" (blank is allowed by the field)."""
    if value and value not in available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name, such as Europe/Madrid."),
            params={"value": value},
            code="invalid_time_zone",
        )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrganizationKind(models.TextChoices):
    UNIT = "unit", _("Transformation unit")
    AGENCY = "agency", _("Public agency")
    JURISDICTION = "jurisdiction", _("Jurisdiction")
    COMPANY = "company", _("Company")
    RESEARCH = "research", _("Research or civil-society body")


class SmeSize(models.TextChoices):
    """EU SME definition (Commission Recommendation 2003/361/EC)."""

    MICRO = "micro", _("Micro (<10 staff, ≤ €2m turnover)")
    SMALL = "small", _("Small (<50 staff, ≤ €10m turnover)")
    MEDIUM = "medium", _("Medium (<250 staff, ≤ €50m turnover)")
    LARGE = "large", _("Large")


class Organization(TimeStampedModel):
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    # Agencies and jurisdictions belong to the unit that works with them.
    unit = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partners",
        limit_choices_to={"kind": OrganizationKind.UNIT},
    )
    population = models.PositiveBigIntegerField(null=True, blank=True)
    sme_size = models.CharField(max_length=10, choices=SmeSize.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    prioritisation_weights = models.JSONField(default=dict, blank=True)
    # The IANA zone its people see times in unless they choose their own; blank: the
    # installation's (settings.TIME_ZONE). Stored times stay UTC.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(sme_size="") | Q(kind="company"), name="org_sme_size_only_company"
            ),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(kind="jurisdiction"),
                name="org_population_only_jurisdiction",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Erased people keep their row under `erased-<id>@invalid.example` (RFC 2606: never delivered).
ERASED_DOMAIN = "invalid.example"


class PersonManager(UserManager["Person"]):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        email = self.normalize_email(email or username)
        person = self.model(email=email, username=email, **extra_fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        extra_fields.pop("username", None)
        return self._create_user(email, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.pop("username", None)
        return self._create_user(email, email, password, **extra_fields)


class Person(AbstractUser):
    """Somebody who signs in. Citizens giving feedback never need an account."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    preferred_language = models.CharField(max_length=8, default="en")
    # The IANA zone this person sees times in; blank: their organisation's.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects = PersonManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_erased(self) -> bool:
        return self.email == f"erased-{self.pk}@{ERASED_DOMAIN}"

    @property
    def display_name(self) -> str:
        if self.is_erased:
            return f"Erased person #{self.pk}"
        return self.full_name or self.email


class Role(models.TextChoices):
    UNIT_STAFF = "unit_staff", _("Unit staff")
    AGENCY_OFFICIAL = "agency_official", _("Agency official")
    EVALUATOR = "evaluator", _("Evaluator")
    VENDOR = "vendor", _("Vendor")
    AUDITOR = "auditor", _("Auditor")


class Membership(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organization}"


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiKey(TimeStampedModel):
    """A machine credential. Only a SHA-256 of the secret is stored; the prefix finds the row."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scope = models.CharField(max_length=10, choices=ApiKeyScope.choices)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEvent(models.Model):
    """Append-only and hash-chained: each row's hash covers its content and the previous hash."""

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class ScheduledJob(models.Model):
    """One periodic task of CIVICLOOP_SCHEDULE and when it is next due.

    The process that moves ``next_run_at`` forward (a compare-and-set UPDATE) enqueues the task,
    so however many schedulers and workers run, each task is enqueued once per period
    (civicloop/core/scheduler.py).
    """

    task = models.CharField(max_length=200, unique=True)
    every_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.task} every {self.every_seconds} s"


class Aggregate(models.Model):
    """A figure computed once over many rows and read by every page view (ADR 0019).

    One row per kind of aggregate and object (``feedback.survey`` and a survey's id, ...).
    A write to the inputs bumps ``version`` and enqueues one recompute; the worker stores
    ``payload`` with the ``version`` and ``watermark`` it read before computing, so the row is
    fresh while ``computed_version == version`` and the inputs' watermark has not moved.
    """

    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    payload = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(default=1)
    computed_version = models.PositiveBigIntegerField(default=0)
    watermark = models.JSONField(default=dict, blank=True)
    # A recompute is waiting in the task queue: further writes bump the version only.
    queued = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="aggregate_unique_kind_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
