"""Validation of incoming events: one clear reason per rejected event."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 1_000_000
MAX_NAME_CHARS = 128
MAX_UNIT_CHARS = 256
MAX_PROPERTIES_BYTES = 32_768
MAX_FUTURE = timedelta(hours=24)
EXPOSURE_EVENT = "$exposure"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIELDS = frozenset({"event_id", "unit_id", "name", "timestamp", "value", "properties"})


class BatchTooLarge(ValueError):
    """The whole batch is refused (the API answers 413); nothing of it is stored."""


class CleanEvent(NamedTuple):
    event_id: str  # canonical lowercase UUID
    key: bytes  # the UUID's 16 bytes (the duplicate ledger's key)
    unit_id: str
    name: str
    ts_us: int  # microseconds since the Unix epoch, UTC
    value: float | None
    experiment: str | None
    variant: str | None
    properties: str | None  # compact JSON text


class Rejected(ValueError):
    pass


def batch_check(events: object, *, body_bytes: int | None = None) -> None:
    """Refuse batches over 1,000 events or 1 MB."""
    if not isinstance(events, list):
        raise BatchTooLarge("the batch must be a JSON array of events")
    if len(events) > MAX_BATCH_EVENTS:
        raise BatchTooLarge(
            f"a batch holds at most {MAX_BATCH_EVENTS} events; this one has {len(events)}"
        )
    if body_bytes is None:
        body_bytes = len(json.dumps(events, default=str).encode("utf-8"))
    if body_bytes > MAX_BATCH_BYTES:
        raise BatchTooLarge(
            f"a batch is at most {MAX_BATCH_BYTES} bytes; this one has {body_bytes}"
        )


def event_clean(raw: object, *, now: datetime) -> CleanEvent:
    """Return the validated event or raise Rejected with a message naming the field and rule."""
    if not isinstance(raw, dict):
        raise Rejected("event must be a JSON object")
    if not _FIELDS.issuperset(raw):
        raise Rejected(f"unknown field {sorted(raw.keys() - _FIELDS)[0]!r}")
    key = _event_key(raw.get("event_id"))
    event_id = _uuid_text(key)
    unit_id = raw.get("unit_id")
    if not isinstance(unit_id, str) or not 0 < len(unit_id) <= MAX_UNIT_CHARS:
        raise Rejected(f"unit_id must be a non-empty string of at most {MAX_UNIT_CHARS} characters")
    name = raw.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        raise Rejected(f"name must be a non-empty string of at most {MAX_NAME_CHARS} characters")
    moment = _moment(raw.get("timestamp"), now)
    value = raw.get("value")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected("value must be a finite number or null")
        try:
            value = float(value)  # an integer beyond a float's range overflows: rejected too
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise Rejected("value must be a finite number or null")
    properties = raw.get("properties")
    experiment = variant = None
    properties_json = None
    if properties is not None:
        if not isinstance(properties, dict):
            raise Rejected("properties must be a JSON object")
        properties_json = json.dumps(properties, separators=(",", ":"), ensure_ascii=False)
        if len(properties_json.encode("utf-8")) > MAX_PROPERTIES_BYTES:
            raise Rejected(f"properties must be at most {MAX_PROPERTIES_BYTES} bytes as JSON")
    if name == EXPOSURE_EVENT:
        experiment = properties.get("experiment") if properties else None
        variant = properties.get("variant") if properties else None
        if not (
            isinstance(experiment, str) and experiment and isinstance(variant, str) and variant
        ):
            raise Rejected("a $exposure event needs string properties 'experiment' and 'variant'")
    ts_us = (moment - _EPOCH) // _MICROSECOND
    return CleanEvent(
        event_id, key, unit_id, name, ts_us, value, experiment, variant, properties_json
    )


def _event_key(event_id: object) -> bytes:
    """The 16 bytes of the event's UUID, however it is spelled."""
    if event_id is None:
        raise Rejected("event_id is required")
    key = _canonical_uuid_key(event_id)
    if key is None:
        try:  # other spellings (braces, no hyphens, URNs) are normalised
            key = uuid.UUID(str(event_id)).bytes
        except ValueError:
            raise Rejected("event_id must be a UUID") from None
    return key


def _moment(stamp: object, now: datetime) -> datetime:
    """The event's time: ISO 8601 with a time zone, at most 24 hours ahead of ``now``."""
    if stamp is None:
        raise Rejected("timestamp is required")
    try:
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise Rejected("timestamp must be ISO 8601 with a time zone, e.g. 2026-01-31T09:30:00Z")
    if moment - now > MAX_FUTURE:
        raise Rejected("timestamp is more than 24 hours in the future")
    return moment


def _canonical_uuid_key(value: object) -> bytes | None:
    """16 bytes of a UUID written 8-4-4-4-12 (the common case, checked without uuid.UUID)."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    if value[8] != "-" or value[13] != "-" or value[18] != "-" or value[23] != "-":
        return None
    try:
        key = bytes.fromhex(value[:8] + value[9:13] + value[14:18] + value[19:23] + value[24:])
    except ValueError:
        return None
    return key if len(key) == 16 else None  # fromhex skips spaces: "ab cd..." is not a UUID


def _uuid_text(key: bytes) -> str:
    h = key.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
