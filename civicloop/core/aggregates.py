"""Aggregates computed once (ADR 0019): figures over many rows stored, not recomputed per view.

An app registers a kind (``aggregate_kind_register`` in its ``AppConfig.ready``) with three
functions of the object's key: ``compute`` (the payload, from the app's existing selectors),
``watermark`` (a few cheap numbers that move whenever the inputs change) and ``size`` (how many
rows the computation reads). Then:

- a write to the inputs calls ``aggregate_invalidate(kind, key)`` inside its transaction: the
  row's ``version`` goes up and, after commit, one ``refresh_aggregate`` task is enqueued unless
  one is already waiting (a burst of writes does one recompute);
- the worker runs ``aggregate_refresh``: it reads the version and the watermark, computes, and
  stores the payload with them (running it twice stores the same thing);
- a page calls ``aggregate_read``: a fresh row is returned as stored; a stale or missing one is
  recomputed on the spot when its input is small (``CIVICLOOP_AGGREGATE_SYNC_MAX`` rows),
  otherwise a recompute is requested and the page says so, showing the older figures if any.

This module is neither a selector nor a service: reading may request a computation of a cache
(never of data people entered), and nothing here is audited.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicloop.core.models import Aggregate

DEFAULT_SYNC_MAX = 2000


@dataclass(frozen=True)
class AggregateKind:
    kind: str
    compute: Callable[[str], Any]  # JSON-able payload, or None when the object is gone
    watermark: Callable[[str], dict[str, Any]]
    size: Callable[[str], int]


@dataclass(frozen=True)
class Stored:
    """A payload as stored, when it was computed and whether newer inputs are waiting."""

    payload: Any
    computed_at: datetime
    stale: bool


_KINDS: dict[str, AggregateKind] = {}


def aggregate_kind_register(
    kind: str,
    *,
    compute: Callable[[str], Any],
    watermark: Callable[[str], dict[str, Any]],
    size: Callable[[str], int],
) -> None:
    _KINDS[kind] = AggregateKind(kind, compute, watermark, size)


def aggregate_kind(kind: str) -> AggregateKind:
    return _KINDS[kind]


# --- JSON: NaN and infinities have no JSON form (PostgreSQL's jsonb refuses them) ----------


def encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# --- writes to the inputs ------------------------------------------------------------------


def _row(kind: str, key: str) -> Aggregate:
    row = Aggregate.objects.filter(kind=kind, key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Aggregate.objects.create(kind=kind, key=key)
    except IntegrityError:  # created by a concurrent request
        return Aggregate.objects.get(kind=kind, key=key)


def aggregate_invalidate(kind: str, key: object) -> None:
    """The inputs of `kind` for `key` changed (call inside the write's transaction)."""
    key = str(key)
    _row(kind, key)
    Aggregate.objects.filter(kind=kind, key=key).update(version=F("version") + 1)
    transaction.on_commit(lambda: aggregate_request(kind, key))


def aggregate_invalidate_many(kind: str, keys: Iterable[object]) -> None:
    for key in sorted({str(k) for k in keys}):
        aggregate_invalidate(kind, key)


def aggregate_invalidate_prefix(kind: str, prefix: str) -> None:
    """Every stored aggregate of `kind` whose key starts with `prefix` (one per time zone...)."""
    rows = Aggregate.objects.filter(kind=kind, key__startswith=prefix)
    keys = list(rows.values_list("key", flat=True))
    rows.update(version=F("version") + 1)
    for key in keys:
        transaction.on_commit(functools.partial(aggregate_request, kind, key))


def aggregate_request(kind: str, key: str) -> bool:
    """Enqueue one recompute unless one is already waiting; True when this call enqueued it."""
    _row(kind, key)
    if not Aggregate.objects.filter(kind=kind, key=key, queued=False).update(queued=True):
        return False
    from civicloop.core.tasks import refresh_aggregate

    refresh_aggregate.enqueue(kind, key)
    return True


# --- the worker ----------------------------------------------------------------------------


def aggregate_refresh(kind: str, key: str) -> Stored | None:
    """Compute and store one aggregate; None (and the row deleted) when its object is gone."""
    spec = _KINDS[kind]
    row = _row(kind, key)
    # From here on a write enqueues another recompute: this one may miss it.
    Aggregate.objects.filter(pk=row.pk).update(queued=False)
    version = Aggregate.objects.values_list("version", flat=True).get(pk=row.pk)
    watermark = spec.watermark(key)
    payload = spec.compute(key)
    if payload is None:
        Aggregate.objects.filter(pk=row.pk).delete()
        return None
    payload = encode(payload)
    now = timezone.now()
    Aggregate.objects.filter(pk=row.pk, computed_version__lte=version).update(
        payload=payload, computed_at=now, computed_version=version, watermark=watermark
    )
    current = Aggregate.objects.values_list("version", flat=True).get(pk=row.pk)
    return Stored(decode(payload), now, stale=current != version)


# --- pages ---------------------------------------------------------------------------------


def _sync_max() -> int:
    return int(getattr(settings, "CIVICLOOP_AGGREGATE_SYNC_MAX", DEFAULT_SYNC_MAX))


def _fresh(row: Aggregate | None, watermark: dict[str, Any] | None) -> Stored | None:
    """The row as stored when it is fresh: its version computed and its inputs unmoved."""
    if row is None or row.payload is None or row.computed_at is None:
        return None
    if row.computed_version != row.version:
        return None
    if watermark is not None and row.watermark != watermark:
        return None
    return Stored(decode(row.payload), row.computed_at, stale=False)


def _fallback(kind: str, key: str, row: Aggregate | None) -> Stored | None:
    spec = _KINDS[kind]
    if spec.size(key) <= _sync_max():
        return aggregate_refresh(kind, key)
    if aggregate_request(kind, key):
        # An immediate task backend (tests, a tiny installation) has already recomputed it.
        done = _fresh(Aggregate.objects.filter(kind=kind, key=key).first(), None)
        if done is not None:
            return done
    if row is None or row.payload is None or row.computed_at is None:
        return None
    return Stored(decode(row.payload), row.computed_at, stale=True)


def aggregate_read(kind: str, key: object) -> Stored | None:
    """The stored aggregate, checked against its inputs' watermark.

    None means it is being computed (its input is too large to compute during the request).
    """
    key = str(key)
    row = Aggregate.objects.filter(kind=kind, key=key).first()
    fresh = _fresh(row, _KINDS[kind].watermark(key))
    return fresh if fresh is not None else _fallback(kind, key, row)


def aggregate_read_many(
    kind: str, keys: Iterable[object], *, compute: bool = True
) -> dict[str, Stored | None]:
    """Many aggregates of one kind in one query, trusting the versions (no watermark check).

    With `compute` False (list pages, whose cost must not grow with the rows) nothing is
    recomputed here: a stale row is given marked stale, a missing one as None (the writes
    that changed them have already queued their recompute)."""
    wanted = [str(k) for k in keys]
    rows = {r.key: r for r in Aggregate.objects.filter(kind=kind, key__in=wanted)}
    out: dict[str, Stored | None] = {}
    for key in wanted:
        row = rows.get(key)
        fresh = _fresh(row, None)
        if fresh is not None:
            out[key] = fresh
        elif compute:
            out[key] = _fallback(kind, key, row)
        elif row is None or row.payload is None or row.computed_at is None:
            out[key] = None
        else:
            out[key] = Stored(decode(row.payload), row.computed_at, stale=True)
    return out


def aggregates_refresh_pending() -> int:
    """Recompute every stale aggregate now, as the worker would (benchmarks, a restore)."""
    pending = Aggregate.objects.exclude(computed_version=F("version")).values_list("kind", "key")
    return sum(aggregate_refresh(kind, key) is not None for kind, key in list(pending))
