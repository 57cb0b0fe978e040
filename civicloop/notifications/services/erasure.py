"""A person's erasure reaches their notifications (privacy's `person_erasing` signal)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from civicloop.core.models import Person
from civicloop.core.services import REMOVED, ErasureLine
from civicloop.notifications.models import Follow, Notification, NotificationPreference


@transaction.atomic
def person_notifications_erase(*, person: Person, **_: Any) -> list[ErasureLine]:
    """Remove the person's notifications, follows and preferences; the erasure audits it.

    Webhook deliveries are the unit's (they never name a recipient) and stay."""
    why = gettext_noop("they are the person's own and serve nobody else")
    lines = [
        ErasureLine(
            gettext_noop("notifications shown in the app"),
            Notification.objects.filter(person=person).delete()[0],
            REMOVED,
            why,
        ),
        ErasureLine(
            gettext_noop("follows of experiments, sandboxes and proposals"),
            Follow.objects.filter(person=person).delete()[0],
            REMOVED,
            why,
        ),
        ErasureLine(
            gettext_noop("notification preferences"),
            NotificationPreference.objects.filter(person=person).delete()[0],
            REMOVED,
            why,
        ),
    ]
    return [line for line in lines if line.count]
