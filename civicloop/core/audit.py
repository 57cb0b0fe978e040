"""The append-only, hash-chained audit log.

Each event's hash is SHA-256 over a canonical JSON of its content and the previous event's hash,
so altering, removing or reordering any past event breaks every later link. `audit_verify`
recomputes the chain and reports the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from civicloop.core.models import AuditEvent, Organization
from civicloop.core.permissions import Principal

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_240_411  # an arbitrary constant naming the audit-chain advisory lock


def _plain(value: Any) -> Any:
    """JSON-safe copy: Decimals and dates become strings, so what is hashed is what is stored."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _event_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organization_id": event.organization_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "metadata": event.metadata,
        "previous_hash": event.previous_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(_event_fields(event))).hexdigest()


def model_snapshot(obj: Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, as plain JSON."""
    data: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        data[f.attname] = f.value_from_object(obj)
    return _plain(data)


def audit_record(
    *,
    actor: Principal | None,
    action: str,
    obj: Model | None = None,
    organization: Organization | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        org_id = organization.pk if isinstance(organization, Organization) else organization
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor.person if actor else None,
            actor_label=(actor.label if actor else "system"),
            organization_id=org_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            before=_plain(before),
            after=_plain(after),
            metadata=_plain(metadata or {}),
            previous_hash=last.hash if last else GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    first_broken_sequence: int | None = None
    reason: str = ""


def audit_verify() -> ChainReport:
    """Recompute the chain from the start; report the first event that does not fit."""
    previous = GENESIS
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return ChainReport(
                checked,
                False,
                event.sequence,
                f"sequence jumps from {expected_sequence - 1} to {event.sequence}",
            )
        if event.previous_hash != previous:
            return ChainReport(
                checked,
                False,
                event.sequence,
                "previous_hash does not match the hash of the event before it",
            )
        if compute_hash(event) != event.hash:
            return ChainReport(
                checked,
                False,
                event.sequence,
                "content does not match its hash (the event was altered)",
            )
        previous = event.hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, True)
