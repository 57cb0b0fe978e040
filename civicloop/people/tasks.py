"""Sending e-mail in the background, with retries (a page never waits on the mail server)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("civicloop.mail")

# Seconds before the second attempt; each later attempt waits twice as long (60, 120, 240 …).
FIRST_RETRY_SECONDS = 60


def max_attempts() -> int:
    return int(getattr(settings, "CIVICLOOP_EMAIL_MAX_ATTEMPTS", 5))


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based)."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempt - 1))


@task()
def email_send(message: dict[str, Any], attempt: int = 1) -> bool:
    """Send one message; on failure log it and queue the next attempt, up to the limit.

    Returns True when sent, False when this attempt failed (a retry may be queued).
    """
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=message["to"],
        headers=message.get("headers") or None,
    )
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    try:
        email.send()
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried, never raised
        limit = max_attempts()
        domains = sorted({address.rsplit("@", 1)[-1] for address in message["to"]})
        if attempt >= limit:
            logger.error(
                "e-mail %r to %s not sent after %d attempts, giving up: %s",
                message["subject"],
                domains,
                attempt,
                exc,
            )
            return False
        delay = retry_delay(attempt)
        logger.warning(
            "e-mail %r to %s failed (attempt %d of %d), retrying in %ds: %s",
            message["subject"],
            domains,
            attempt,
            limit,
            delay.total_seconds(),
            exc,
        )
        retry = email_send
        if email_send.get_backend().supports_defer:
            retry = email_send.using(run_after=timezone.now() + delay)
        retry.enqueue(message, attempt + 1)
        return False
    return True
