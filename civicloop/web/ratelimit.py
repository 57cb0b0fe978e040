"""A sliding-window counter in the shared cache, for the rate limits of public forms.

Callers build the key from a hash of the client (never the raw address): the feedback and
participation forms (`feedback.abuse`) and the company sign-up (`market.views.signup`).

The window slides: it is cut into `SLOTS` slots of `window / SLOTS` seconds, each a cache
counter, and a hit counts the hits of the last `SLOTS` slots (the last `window` seconds, to
one slot). A fixed window would let a client send twice the limit across a boundary, and a
key that rotates (the feedback client key changes at midnight UTC) would start again at zero:
`window_count(..., also=...)` adds the hits stored under the client's earlier keys.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.cache import cache

SLOTS = 10


def _slot_keys(key: str, window: int, now: float) -> tuple[str, list[str]]:
    width = max(window / SLOTS, 1.0)
    current = int(now // width)
    return f"{key}:{current}", [f"{key}:{current - n}" for n in range(SLOTS)]


def window_count(
    key: str, window: int, *, also: Sequence[str] = (), now: float | None = None
) -> int:
    """Count one hit for `key`; the hits of `key` and of `also` in the last `window` seconds.

    The cache is shared by every process (settings.CACHES), so the count holds across them.
    """
    now = time.time() if now is None else now
    bucket, _ = _slot_keys(key, window, now)
    cache.add(bucket, 0, timeout=2 * window + 5)
    try:
        cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=2 * window + 5)
    names = [name for k in dict.fromkeys([key, *also]) for name in _slot_keys(k, window, now)[1]]
    return sum(int(v) for v in cache.get_many(names).values())
