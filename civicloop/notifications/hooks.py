"""The one hook: a new audit event whose action has a rule is dispatched after commit.

After commit, so a rolled-back action tells nobody; a failure here is logged and never turns
the action that caused it into an error (it already happened).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from civicloop.core.models import AuditEvent
from civicloop.notifications.rules import RULES

logger = logging.getLogger("civicloop.notifications")


def _dispatch(event_id: int) -> None:
    from civicloop.notifications.services import audit_event_dispatch

    try:
        audit_event_dispatch(event_id)
    except Exception:  # noqa: BLE001 - the audited action stands; its notices are logged as lost
        logger.exception("could not dispatch notifications for audit event %s", event_id)


def audit_event_saved(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if created and instance.action in RULES:
        transaction.on_commit(lambda: _dispatch(instance.pk))
