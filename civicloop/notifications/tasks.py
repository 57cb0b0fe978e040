"""Background work: webhook deliveries with retries, the daily digest, the scheduled notices."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from civicloop.core.field_crypto import FieldKeyUnavailable
from civicloop.notifications import services
from civicloop.notifications.models import DeliveryStatus, WebhookDelivery
from civicloop.notifications.webhook_http import PostResult, post

logger = logging.getLogger("civicloop.notifications")

FIRST_RETRY_SECONDS = 60


def max_attempts() -> int:
    return int(getattr(settings, "CIVICLOOP_WEBHOOK_MAX_ATTEMPTS", 5))


def retry_delay(attempt: int) -> timedelta:
    """Wait after failed attempt `attempt` (1-based): 60 s, then twice as long each time."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempt - 1))


def payload_bytes(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


@task()
def webhook_deliver(delivery_id: int) -> bool:
    """One attempt; on failure the next is queued after the backoff, up to the limit."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return False
    try:
        secret = services.webhook_secret(delivery.endpoint)
    except FieldKeyUnavailable as missing:  # a configuration fault: logged, retried, shown
        logger.error("webhook delivery %s: %s", delivery.pk, missing)
        result = PostResult(False, None, str(missing)[:300])
    else:
        result = post(
            delivery.endpoint.url,
            secret,
            payload_bytes(delivery),
            kind=delivery.kind,
            delivery_id=delivery.pk,
        )
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= max_attempts():
        delivery.status = DeliveryStatus.FAILED
        logger.error(
            "webhook delivery %s failed %d times: %s", delivery.pk, delivery.attempts, result.error
        )
    delivery.save()
    if delivery.status == DeliveryStatus.PENDING:
        retry = webhook_deliver
        if webhook_deliver.get_backend().supports_defer:
            retry = webhook_deliver.using(run_after=timezone.now() + retry_delay(delivery.attempts))
        retry.enqueue(delivery.pk)
    return result.ok


@task()
def notification_digest_send() -> int:
    """Daily: one e-mail per person in digest mode with what is new since the last one."""
    return services.digest_send()


@task()
def deadline_reminders_send() -> int:
    """Daily: 7 and 1 days before a deadline, tell companies preparing that have not submitted."""
    return services.deadline_reminders(now=timezone.now())


@task()
def obstacles_overdue_send() -> int:
    """Daily: tell each open obstacle's owner once it is past its due date."""
    return services.obstacles_overdue(today=timezone.localdate())
