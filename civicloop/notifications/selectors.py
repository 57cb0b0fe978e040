"""Reads of the notifications app: a person's own notifications, followers, webhook logs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.models import AuditEvent, Person
from civicloop.core.permissions import Ability, Principal, scope_q
from civicloop.experiments.models import Iteration
from civicloop.notifications.models import (
    Follow,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)


def notification_list(*, viewer: Principal) -> QuerySet[Notification]:
    """The viewer's own notifications, newest first (nobody else's, whatever their role)."""
    if viewer.person is None:
        return Notification.objects.none()
    return Notification.objects.filter(person=viewer.person)


def unread_count(*, viewer: Principal) -> int:
    return notification_list(viewer=viewer).filter(read_at__isnull=True).count()


def preference_get(*, viewer: Principal) -> NotificationPreference | None:
    if viewer.person is None:
        return None
    return NotificationPreference.objects.filter(person=viewer.person).first()


def is_following(*, viewer: Principal, object_type: str, object_id: str) -> bool:
    if viewer.person is None:
        return False
    return Follow.objects.filter(
        person=viewer.person, object_type=object_type, object_id=str(object_id)
    ).exists()


def followers_of(object_type: str, object_id: str) -> list[int]:
    """System read for rules: ids of the active people following an object."""
    return list(
        Follow.objects.filter(
            object_type=object_type, object_id=str(object_id), person__is_active=True
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )


def iteration_problem_ids(iteration_id: str) -> list[int]:
    """System read for rules: the portfolio problems an iteration works on (its service's)."""
    return list(
        Iteration.objects.filter(pk=int(iteration_id), service__problems__isnull=False)
        .order_by("service__problems")
        .values_list("service__problems", flat=True)
    )


def first_actor_of(action: str, object_type: str, object_id: str) -> int | None:
    """System read for rules: the person who first did `action` on the object (audit log)."""
    event = (
        AuditEvent.objects.filter(action=action, object_type=object_type, object_id=str(object_id))
        .exclude(actor__isnull=True)
        .order_by("sequence")
        .first()
    )
    return event.actor_id if event else None


def webhook_list(*, viewer: Principal) -> QuerySet[WebhookEndpoint]:
    """Endpoints of the units whose settings the viewer manages."""
    return WebhookEndpoint.objects.filter(
        scope_q(viewer, Ability.MANAGE_SETTINGS, unit_field="organization_id")
    ).select_related("organization")


def webhook_get(*, viewer: Principal, pk: int) -> WebhookEndpoint:
    endpoint = webhook_list(viewer=viewer).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("Not found")
    return endpoint


def delivery_list(*, viewer: Principal, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The delivery log of an endpoint the viewer reached through `webhook_get`."""
    webhook_get(viewer=viewer, pk=endpoint.pk)
    return WebhookDelivery.objects.filter(endpoint=endpoint)[:200]


def personal_data(*, person: Person, **_: Any) -> dict[str, Any]:
    """The person's notifications, follows and preferences for their data export."""
    preference = NotificationPreference.objects.filter(person=person).first()
    return {
        "notifications": [
            {
                "kind": n.kind,
                "params": n.params,
                "link": n.link,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
                "emailed_at": n.emailed_at.isoformat() if n.emailed_at else None,
            }
            for n in Notification.objects.filter(person=person).order_by("pk")
        ],
        "follows": [
            {
                "object_type": f.object_type,
                "object_id": f.object_id,
                "since": f.created_at.isoformat(),
            }
            for f in Follow.objects.filter(person=person).order_by("pk")
        ],
        "notification_preferences": (
            {"email_mode": preference.email_mode, "muted_kinds": preference.muted_kinds}
            if preference is not None
            else None
        ),
    }
