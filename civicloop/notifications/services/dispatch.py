"""One audited action → its notices (rules.py) → notifications and webhook deliveries."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from civicloop.core.models import AuditEvent
from civicloop.notifications.models import Notification
from civicloop.notifications.notices import Notice
from civicloop.notifications.rules import RULES
from civicloop.notifications.services.delivery import notify
from civicloop.notifications.services.webhooks import deliveries_queue

logger = logging.getLogger("civicloop.notifications")


def webhook_payload(event: AuditEvent, notice: Notice, source: str) -> dict[str, Any]:
    """What an agency's system receives: the kind, the event and its facts; never recipients."""
    return {
        "id": f"{source}:{notice.kind}",
        "kind": notice.kind,
        "action": event.action,
        "occurred_at": event.occurred_at.isoformat(),
        "organization_id": event.organization_id,
        "object": {"type": event.object_type, "id": event.object_id},
        "audit": {"sequence": event.sequence, "hash": event.hash},
        "data": notice.params,
    }


@transaction.atomic
def audit_event_dispatch(event_id: int) -> list[Notification]:
    """System work: tell whom the rule for this event's action names; queue its webhooks."""
    event = AuditEvent.objects.filter(pk=event_id).first()
    rule = RULES.get(event.action) if event is not None else None
    if event is None or rule is None:
        return []
    notices = rule(event)
    source = f"audit:{event.sequence}"
    created = notify(notices=notices, source=source)
    for notice in notices:
        deliveries_queue(
            organization_id=event.organization_id,
            kind=notice.kind,
            source=source,
            payload=webhook_payload(event, notice, source),
        )
    return created
