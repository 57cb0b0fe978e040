"""Notifications a person receives (in-app and by e-mail), what they follow and want, and each
organisation's outgoing webhooks with their delivery log.

A notification stores its kind and the facts it reports (`params`, JSON); its words are
rendered in the reader's language when shown or mailed, so one row serves both languages.
"""

from __future__ import annotations

from django.db import models

from civicloop.core.models import Organization, Person, TimeStampedModel
from civicloop.notifications.kinds import EmailMode, NotificationKind, mode_of


class Notification(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    # What produced it (an audit event's sequence, or a task's key such as "deadline:7:12"):
    # one notification per person, kind and source, however often the hook or task runs.
    source = models.CharField(max_length=80)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "source"], name="notification_once_per_source"
            )
        ]
        indexes = [models.Index(fields=["person", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.person_id}"


class NotificationPreference(TimeStampedModel):
    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    # Kinds the person wants no e-mail about (they still appear on the notifications page).
    # Superseded by `kind_modes` (migration 0005 moved every entry there as "in_app"); still
    # honoured when read, no longer written (expand/contract).
    muted_kinds = models.JSONField(default=list, blank=True)
    # One `DeliveryMode` per kind that does not follow `email_mode` (the default):
    # {"award": "immediate", "deadline_approaching": "off", ...}.
    kind_modes = models.JSONField(default=dict, blank=True)

    def mode_for(self, kind: str) -> str:
        return mode_of(self.email_mode, list(self.muted_kinds), dict(self.kind_modes), kind)

    def __str__(self) -> str:
        return f"preferences of {self.person_id}"


class Follow(TimeStampedModel):
    """A person follows an object (an iteration, a sandbox, a citizen proposal) by its label."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follows")
    object_type = models.CharField(max_length=80)  # a model label, e.g. experiments.iteration
    object_id = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "object_type", "object_id"], name="follow_once"
            )
        ]


class WebhookEndpoint(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    # The signing secret, shown once when created and kept to sign each delivery: encrypted
    # under CIVICLOOP_FIELD_KEYS (core.field_crypto), never stored in clear.
    secret_encrypted = models.TextField()
    kinds = models.JSONField(default=list, blank=True)  # empty: every kind
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization_id", "pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed"


class WebhookDelivery(TimeStampedModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=40)
    source = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "kind", "source"], name="delivery_once")
        ]
