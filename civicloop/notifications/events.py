"""Typed names of the notifications app's audit events."""

from enum import StrEnum


class NotificationEvent(StrEnum):
    PREFERENCES_CHANGED = "notifications.preferences_changed"
    UNSUBSCRIBED = "notifications.unsubscribed"
    FOLLOWED = "notifications.followed"
    UNFOLLOWED = "notifications.unfollowed"
    WEBHOOK_CREATED = "notifications.webhook_created"
    WEBHOOK_DISABLED = "notifications.webhook_disabled"
    WEBHOOK_UPDATED = "notifications.webhook_updated"
    WEBHOOK_DELETED = "notifications.webhook_deleted"
