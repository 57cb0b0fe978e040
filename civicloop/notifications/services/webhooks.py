"""Webhook endpoints of an organisation (created by its settings managers) and their deliveries.

The secret is generated here and returned once (the page and the API show it once); it is
kept, encrypted under CIVICLOOP_FIELD_KEYS (`core.field_crypto`), to sign each delivery. A
delivery row is written for each endpoint that wants the kind, in the event's transaction, and
its task is queued after commit; the task retries with backoff and records each attempt (the
delivery log).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core import field_crypto
from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.notifications.events import NotificationEvent
from civicloop.notifications.kinds import NotificationKind
from civicloop.notifications.models import WebhookDelivery, WebhookEndpoint
from civicloop.notifications.webhook_http import UnsafeTarget, target_check

logger = logging.getLogger("civicloop.notifications")


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # the only time it is shown


def _checked_url(url: str) -> str:
    url = url.strip()
    if len(url) > 500:
        raise ValidationError({"url": _("The URL is at most 500 characters.")})
    try:
        target_check(url)
    except UnsafeTarget as refused:
        raise ValidationError({"url": str(refused)}) from None
    return url


def _checked_kinds(kinds: Sequence[str]) -> list[str]:
    unknown = sorted(set(kinds) - set(NotificationKind.values))
    if unknown:
        raise ValidationError(
            {"kinds": _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    return sorted(set(kinds))


@transaction.atomic
def webhook_create(
    *, actor: Principal, unit: Organization, url: str, kinds: Sequence[str] = ()
) -> CreatedEndpoint:
    """An endpoint of the unit that receives signed POSTs for the chosen kinds (all if none)."""
    require(actor, Ability.MANAGE_SETTINGS, unit)
    url = _checked_url(url)
    kinds = _checked_kinds(kinds)
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        organization=unit,
        url=url,
        secret_encrypted=field_crypto.encrypt(secret),
        kinds=kinds,
        created_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=NotificationEvent.WEBHOOK_CREATED,
        obj=endpoint,
        organization=unit,
        after={"url": url, "kinds": endpoint.kinds},
    )
    return CreatedEndpoint(endpoint, secret)


@transaction.atomic
def webhook_disable(*, actor: Principal, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    require(actor, Ability.MANAGE_SETTINGS, endpoint.organization_id)
    endpoint.active = False
    endpoint.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action=NotificationEvent.WEBHOOK_DISABLED,
        obj=endpoint,
        organization=endpoint.organization_id,
        after={"active": False},
    )
    return endpoint


@transaction.atomic
def webhook_update(
    *,
    actor: Principal,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    kinds: Sequence[str] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL (checked as on creation), kinds or switch; None keeps a value.

    The secret stays: a new one means a new endpoint."""
    require(actor, Ability.MANAGE_SETTINGS, endpoint.organization_id)
    before = {"url": endpoint.url, "kinds": endpoint.kinds, "active": endpoint.active}
    if url is not None:
        endpoint.url = _checked_url(url)
    if kinds is not None:
        endpoint.kinds = _checked_kinds(kinds)
    if active is not None:
        endpoint.active = active
    endpoint.save(update_fields=["url", "kinds", "active", "updated_at"])
    after = {"url": endpoint.url, "kinds": endpoint.kinds, "active": endpoint.active}
    if after != before:
        audit_record(
            actor=actor,
            action=NotificationEvent.WEBHOOK_UPDATED,
            obj=endpoint,
            organization=endpoint.organization_id,
            before=before,
            after=after,
        )
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: Principal, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its delivery log (the audit log keeps that it existed)."""
    require(actor, Ability.MANAGE_SETTINGS, endpoint.organization_id)
    audit_record(
        actor=actor,
        action=NotificationEvent.WEBHOOK_DELETED,
        obj=endpoint,
        organization=endpoint.organization_id,
        before={"url": endpoint.url, "kinds": endpoint.kinds, "active": endpoint.active},
    )
    endpoint.delete()


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    """System read for the sender: the endpoint's signing secret, decrypted."""
    return field_crypto.decrypt(endpoint.secret_encrypted)


def webhook_secrets_reencrypt() -> tuple[int, int]:
    """System work (`civicloop field-keys rotate`): every secret under the first field key.

    Returns (re-encrypted, already current). Each row is its own update, so an interrupted run
    leaves every secret readable and a second run finishes the job."""
    changed = current = 0
    for endpoint in WebhookEndpoint.objects.only("pk", "secret_encrypted").order_by("pk"):
        value = field_crypto.reencrypt(endpoint.secret_encrypted)
        if value is None:
            current += 1
            continue
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted=value)
        changed += 1
    return changed, current


def _enqueue(delivery_id: int) -> None:
    from civicloop.notifications.tasks import webhook_deliver

    try:
        webhook_deliver.enqueue(delivery_id)
    except Exception:  # the queue is away: the delivery stays pending, visible in the log
        logger.exception("could not queue webhook delivery %s", delivery_id)


def deliveries_queue(
    *, organization_id: int | None, kind: str, source: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """System work: a delivery per active endpoint of the organisation that wants `kind`."""
    if organization_id is None:
        return []
    created = []
    for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, active=True):
        if endpoint.kinds and kind not in endpoint.kinds:
            continue
        delivery, new = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, kind=kind, source=source, defaults={"payload": payload}
        )
        if new:
            created.append(delivery)
            transaction.on_commit(partial(_enqueue, delivery.pk))
    return created
