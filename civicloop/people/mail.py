"""Every e-mail CivicLoop sends goes through `mail_enqueue`: rendered now, sent by a task."""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger("civicloop.mail")


def message_data(message: EmailMessage) -> dict[str, Any]:
    """A rendered message as JSON-safe data for the task."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
    body = str(message.body)
    if getattr(message, "content_subtype", "plain") == "html":
        html, body = body, ""
    return {
        "subject": str(message.subject),
        "body": str(body),
        "html": html,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers or {}),
    }


def _enqueue(data: dict[str, Any]) -> None:
    from civicloop.people.tasks import email_send

    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's work intact
            email_send.enqueue(data)
    except Exception:
        # The queue itself is unavailable: say so in the log, never fail the page.
        logger.exception("could not queue e-mail %r", data["subject"])


def _queues_in_transaction() -> bool:
    """Does enqueueing join the current transaction (or run at once, as in tests)?

    The database backend writes the task row in the caller's transaction: the mail is queued
    exactly when the work that sends it commits (an outbox). Other backends (a Redis queue) are
    handed the task after commit, so a rolled-back invitation sends nothing.
    """
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db import DatabaseBackend

    from civicloop.people.tasks import email_send

    return isinstance(email_send.get_backend(), (DatabaseBackend, ImmediateBackend))


def mail_enqueue(message: EmailMessage) -> None:
    """Queue `message` for the `email_send` task (which retries); never raises."""
    data = message_data(message)
    if _queues_in_transaction():
        _enqueue(data)
    else:
        transaction.on_commit(lambda: _enqueue(data))
