"""A fixed-window counter in the shared cache, for the rate limits of public forms.

Callers build the key from a hash of the client (never the raw address): the feedback and
participation forms (`feedback.abuse`) and the company sign-up (`market.views.signup`).
"""

from __future__ import annotations

import time

from django.core.cache import cache


def window_count(key: str, window: int) -> int:
    """Count one hit for `key` in the current window of `window` seconds; the hits so far.

    The cache is shared by every process (settings.CACHES), so the count holds across them.
    """
    bucket = f"{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, timeout=window + 5)
    try:
        return int(cache.incr(bucket))
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=window + 5)
        return 1
