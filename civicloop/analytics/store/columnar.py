"""The fast intake path: a batch parsed as a whole, checked and cleaned column by column.

``batch_parse`` parses the request body with pydantic-core's compiled JSON parser and checks its
shape per column, never per event in Python: a JSON array of objects with only the API's fields,
``event_id``, ``unit_id``, ``name`` and ``timestamp`` strings, ``value`` a number or null,
``properties`` null or an object of scalars. What it answers is a :class:`TypedRows`: the events
as ``json.loads`` gives them (``tests/test_intake_columnar.py`` compares), with their columns.
Such a batch nests three levels at most (array, event, properties), so it needs no depth walk
(``core.http.parse_json``'s bound of 64 is met by construction); any other body answers
``None`` and goes through the general parser.

``batch_clean`` then applies the rules over whole columns (Arrow compute kernels): lengths, the
UUIDs as a matrix of characters (hyphens in place, the rest one ``unhexlify``), the times in one
Arrow cast (Arrow's ISO 8601 reader accepts a subset of what ``datetime.fromisoformat`` does,
with the same instants; a batch with any other spelling takes the row-by-row rules), the
24-hour horizon in one comparison. It answers ``None`` as soon as any event needs a rule it
does not decide (another UUID spelling, a timestamp Arrow cannot read, one too far in the
future, an ``$exposure`` event, a non-finite value, properties near the size limit): the store
then runs the row-by-row rules (``validation.event_clean``), which name the field and the row
of every rejection. Anything the fast path accepts, the row-by-row rules accept with the same
stored values.
"""

from __future__ import annotations

import binascii
import json
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pydantic_core

from civicloop.analytics.store.outbox import ARROW_SCHEMA, CleanBatch
from civicloop.analytics.store.validation import (
    _EPOCH,
    _FIELDS,
    _MICROSECOND,
    EXPOSURE_EVENT,
    MAX_FUTURE,
    MAX_NAME_CHARS,
    MAX_PROPERTIES_BYTES,
    MAX_UNIT_CHARS,
)

_TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
_STRING = frozenset({str})
_NUMBER = frozenset({float, int, type(None)})
_PROPERTIES = frozenset({dict, type(None)})
_SCALARS = frozenset({str, int, float, bool, type(None)})
_properties_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class TypedRows(list[dict[str, Any]]):
    """Events of the fast path's shape, with their columns (``batch_parse`` makes them)."""

    columns: dict[str, list[Any]]


def batch_parse(raw: bytes) -> TypedRows | None:
    """The body's events if it is a JSON array of events of the API's shape, else ``None``
    (not JSON, ``{"events": [...]}``, nested properties, a field of another type, ...)."""
    try:
        parsed = pydantic_core.from_json(raw)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not parsed or set(map(type, parsed)) != {dict}:
        return None
    if not _FIELDS.issuperset(set().union(*parsed)):
        return None
    columns = {field: [event.get(field) for event in parsed] for field in _FIELDS}
    for field in ("event_id", "unit_id", "name", "timestamp"):
        if not _STRING.issuperset(map(type, columns[field])):
            return None
    if not _NUMBER.issuperset(map(type, columns["value"])):
        return None
    properties = columns["properties"]
    if not _PROPERTIES.issuperset(map(type, properties)):
        return None
    values = chain.from_iterable(p.values() for p in properties if p)
    if not _SCALARS.issuperset(map(type, values)):
        return None
    rows = TypedRows(parsed)
    rows.columns = columns
    return rows


def batch_clean(rows: TypedRows, *, now: datetime) -> CleanBatch | None:
    """The batch as columns, or ``None`` if any event needs the row-by-row rules."""
    columns = rows.columns
    if not (
        _lengths_within(columns["name"], MAX_NAME_CHARS)
        and _lengths_within(columns["unit_id"], MAX_UNIT_CHARS)
        and EXPOSURE_EVENT not in columns["name"]
    ):
        return None
    ids = pc.ascii_lower(pa.array(columns["event_id"], pa.string()))
    keys = _uuid_keys(ids)
    values = _values(columns["value"])
    ts_us = _timestamps(columns["timestamp"], now)
    properties = _properties(columns["properties"])
    if keys is None or values is None or ts_us is None or properties is None:
        return None
    units = pa.array(columns["unit_id"], pa.string())
    names = pa.array(columns["name"], pa.string())
    nulls = pa.nulls(len(ids), pa.string())
    arrays = [ids, units, names, ts_us, values, nulls, nulls, properties]
    return CleanBatch(keys, pa.record_batch(arrays, schema=ARROW_SCHEMA))


def _lengths_within(column: list[str], limit: int) -> bool:
    lengths = list(map(len, column))  # characters, as the row-by-row rules count them
    return min(lengths) >= 1 and max(lengths) <= limit


_HYPHENS = np.zeros(36, dtype=bool)
_HYPHENS[[8, 13, 18, 23]] = True


def _uuid_keys(ids: pa.Array) -> bytes | None:
    """The 16 bytes of every id if all are UUIDs written 8-4-4-4-12 (hexadecimal digits and
    hyphens, ASCII), else None. Checked on Arrow's character buffer as an n x 36 byte matrix."""
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[
        ids.offset : ids.offset + len(ids) + 1
    ]
    if offsets[0] != 0 or not (np.diff(offsets) == 36).all():
        return None
    text = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[: 36 * len(ids)].reshape(-1, 36)
    if not (text[:, _HYPHENS] == ord("-")).all():
        return None
    try:
        return binascii.unhexlify(text[:, ~_HYPHENS].tobytes())
    except binascii.Error:  # a character that is not a hexadecimal digit
        return None


def _values(column: list[Any]) -> pa.Array | None:
    """Finite numbers (or nulls) as floats; None for a boolean, an overflow or an infinity."""
    if bool in set(map(type, column)):
        return None
    try:
        values = pa.array(column, pa.float64())
    except (pa.ArrowInvalid, OverflowError):  # an integer a float cannot hold exactly
        return None
    if values.null_count < len(values) and not pc.all(pc.is_finite(values)).as_py():
        return None
    return values


def _timestamps(column: list[str], now: datetime) -> pa.Array | None:
    """Microseconds since the epoch, all in one cast; None if any is unreadable or too late."""
    try:
        stamps = pc.cast(pa.array(column, pa.string()), _TIMESTAMP_TYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    horizon = (now + MAX_FUTURE - _EPOCH) // _MICROSECOND
    micros = stamps.view(pa.int64())
    if int(np.asarray(micros).max()) > horizon:
        return None
    return stamps


def _properties(column: list[dict | None]) -> pa.Array | None:
    """Compact JSON text of each event's properties; None if any may exceed the size limit."""
    texts = [None if p is None else _properties_json(p) for p in column]
    # A character takes at most 4 bytes in UTF-8: only long texts need encoding to be sure.
    if max(map(len, filter(None, texts)), default=0) * 4 > MAX_PROPERTIES_BYTES:
        return None
    return pa.array(texts, pa.string())
