"""Abuse protection for public submissions: per-client rate limits on a salted IP hash.

The raw address is never stored or logged: it is turned at once into an HMAC keyed by the
site's SECRET_KEY and the current UTC day, so hashes cannot be reversed by enumerating the IPv4
space without the key, and cannot be linked across days.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.http import HttpRequest

from civicloop.web.observability import client_address
from civicloop.web.ratelimit import window_count

DEFAULT_LIMIT = 10  # submissions per client per window
DEFAULT_WINDOW = 600  # seconds
HONEYPOT_FIELD = "website"


def client_key(request: HttpRequest, *, at: datetime | None = None) -> str:
    """A salted, daily-rotating hash of the requester's address, as the trusted proxies report
    it (`web.observability.client_address`: REMOTE_ADDR unless it is a trusted proxy, so behind
    a reverse proxy every citizen is not one client; X-Forwarded-For from anyone else is
    ignored). `at` (default now) picks the UTC day whose salt is used."""
    address = str(client_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown")
    day = (at or datetime.now(UTC)).astimezone(UTC).date().isoformat()
    salt = f"civicloop-feedback-client|{day}".encode()
    key = hmac.new(settings.SECRET_KEY.encode() + salt, address.encode(), hashlib.sha256)
    return key.hexdigest()[:32]


class ClientHashes(TypedDict):
    """A client's key now and the same address's key of the day before, named as the keyword
    arguments of the services whose rules look back over a window."""

    client_hash: str
    client_hash_previous: str


def client_hashes(request: HttpRequest, *, at: datetime | None = None) -> ClientHashes:
    """Today's and yesterday's key of the same address. The key rotates at midnight UTC, so a
    rule that looks back over a window (the vote-stuffing minute, the flood hour) must match
    rows stored under either key, or a burst across midnight would count as two clients."""
    now = at or datetime.now(UTC)
    return {
        "client_hash": client_key(request, at=now),
        "client_hash_previous": client_key(request, at=now - timedelta(days=1)),
    }


def limits() -> tuple[int, int]:
    config = getattr(settings, "CIVICLOOP", {})
    return (
        int(config.get("FEEDBACK_RATE_LIMIT", DEFAULT_LIMIT)),
        int(config.get("FEEDBACK_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def rate_limited(
    *,
    client: str,
    scope: str = "public",
    limit: int | None = None,
    client_previous: str = "",
    now: float | None = None,
) -> bool:
    """Count one submission for `client`; True when it is over the limit for the last window.

    The window slides (`web.ratelimit`), and `client_previous` (the same address's key of the
    day before, `client_hashes`) counts too: a burst across midnight UTC is one client's."""
    default_limit, window = limits()
    limit = limit if limit is not None else default_limit
    also = [f"feedback:rl:{scope}:{client_previous}"] if client_previous else []
    return window_count(f"feedback:rl:{scope}:{client}", window, also=also, now=now) > limit


def honeypot_filled(data: dict) -> bool:
    return bool(str(data.get(HONEYPOT_FIELD, "") or "").strip())
