"""Every write of the notifications app; this package re-exports the public names."""

from civicloop.notifications.services.delivery import (
    notification_email,
    notify,
    unsubscribe_token,
    unsubscribe_url,
)
from civicloop.notifications.services.dispatch import audit_event_dispatch, webhook_payload
from civicloop.notifications.services.preferences import (
    follow_change,
    follow_set,
    notifications_mark_read,
    preferences_update,
    unsubscribe,
)
from civicloop.notifications.services.scheduled import (
    deadline_reminders,
    digest_send,
    obstacles_overdue,
)
from civicloop.notifications.services.webhooks import (
    CreatedEndpoint,
    deliveries_queue,
    webhook_create,
    webhook_delete,
    webhook_disable,
    webhook_secret,
    webhook_secrets_reencrypt,
    webhook_update,
)

__all__ = [
    "CreatedEndpoint",
    "audit_event_dispatch",
    "deadline_reminders",
    "deliveries_queue",
    "digest_send",
    "follow_change",
    "follow_set",
    "notification_email",
    "notifications_mark_read",
    "notify",
    "obstacles_overdue",
    "preferences_update",
    "unsubscribe",
    "unsubscribe_token",
    "unsubscribe_url",
    "webhook_create",
    "webhook_delete",
    "webhook_disable",
    "webhook_payload",
    "webhook_secret",
    "webhook_secrets_reencrypt",
    "webhook_update",
]
