"""Outgoing webhook requests: where they may go (SSRF rules), how they are signed, one POST.

Where: `https` only, unless `CIVICLOOP_WEBHOOK_ALLOW_HTTP` (development); and every address the
host resolves to must be public: no loopback, private (RFC 1918, fc00::/7), link-local (the
cloud metadata service at 169.254.169.254), shared, reserved, multicast or unspecified
address, unless `CIVICLOOP_WEBHOOK_ALLOW_PRIVATE` (a test installation, an agency's own
network). Checked when the endpoint is saved and again before each delivery (the name may
resolve elsewhere by then); redirects are never followed.

Signature: header `X-CivicLoop-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256 under the endpoint's secret of `"<t>.<body>"` (the raw body bytes). A receiver
recomputes it, compares in constant time and refuses a `t` older than a few minutes (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SIGNATURE_HEADER = "X-CivicLoop-Signature"
TIMEOUT_SECONDS = 10


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says which rule it breaks."""


def _allowed_private() -> bool:
    return bool(getattr(settings, "CIVICLOOP_WEBHOOK_ALLOW_PRIVATE", False))


def _allowed_http() -> bool:
    return bool(getattr(settings, "CIVICLOOP_WEBHOOK_ALLOW_HTTP", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def target_check(url: str) -> None:
    """Raise `UnsafeTarget` unless webhooks may be sent to `url` (the module's rules)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeTarget(_("Enter a full URL starting with https://."))
    if parts.scheme == "http" and not _allowed_http():
        raise UnsafeTarget(
            _("Webhooks are sent over https only: the URL must start with https://.")
        )
    if parts.username or parts.password:
        raise UnsafeTarget(_("Put no user name or password in the URL: requests are signed."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(_("The host name does not resolve to an address.")) from None
    addresses = {str(info[4][0]) for info in infos}
    if not _allowed_private() and not all(_public(a) for a in addresses):
        raise UnsafeTarget(
            _(
                "The host resolves to a private, loopback or link-local address: webhooks go "
                "only to public addresses."
            )
        )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # a redirect could lead to an address the rules refuse


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str


def post(url: str, secret: str, body: bytes, *, kind: str, delivery_id: int) -> PostResult:
    """One signed POST; a 2xx answer is success, anything else (or no answer) a failure."""
    try:
        target_check(url)
    except UnsafeTarget as refused:
        return PostResult(False, None, str(refused))
    now = int(time.time())
    # The scheme is http(s) only: `target_check` refused every other one just above.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "CivicLoop-Webhooks/1",
            SIGNATURE_HEADER: signature(secret, now, body),
            "X-CivicLoop-Event": kind,
            "X-CivicLoop-Delivery": str(delivery_id),
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            code = int(answer.status)
    except urllib.error.HTTPError as failed:
        return PostResult(False, failed.code, f"HTTP {failed.code}")
    except (urllib.error.URLError, OSError) as failed:
        return PostResult(False, None, str(failed)[:300])
    return PostResult(200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}")
