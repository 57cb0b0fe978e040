"""Outgoing webhook requests: where they may go (SSRF rules), how they are signed, one POST.

Where: `https` only, unless `CIVICLOOP_WEBHOOK_ALLOW_HTTP` (development); and every address the
host resolves to must be public: no loopback, private (RFC 1918, fc00::/7), link-local (the
cloud metadata service at 169.254.169.254), shared, reserved, multicast or unspecified
address, unless `CIVICLOOP_WEBHOOK_ALLOW_PRIVATE` (a test installation, an agency's own
network). Checked when the endpoint is saved and again before each delivery (the name may
resolve elsewhere by then). A delivery resolves the name once, checks every address and then
connects to those addresses only (the HTTP client never resolves the name again), sending the
name as Host header and as TLS SNI and verifying the certificate for it; redirects are never
followed.

Signature: header `X-CivicLoop-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256 under the endpoint's secret of `"<t>.<body>"` (the raw body bytes). A receiver
recomputes it, compares in constant time and refuses a `t` older than a few minutes (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
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


@dataclass(frozen=True)
class Target:
    """A checked URL: where it goes and every address its host resolved to (all allowed)."""

    scheme: str
    host: str
    port: int
    path: str
    # (family, socket address) of each resolved address, in the resolver's order
    addresses: tuple[tuple[int, tuple[Any, ...]], ...]


def target_resolve(url: str) -> Target:
    """The URL's target, resolved once; `UnsafeTarget` unless webhooks may go to every address."""
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
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeTarget(_("The host name does not resolve to an address.")) from None
    addresses = tuple(
        dict.fromkeys(
            (family, sockaddr)
            for family, _kind, _proto, _name, sockaddr in infos
            if family in (socket.AF_INET, socket.AF_INET6)
        )
    )
    if not addresses:
        raise UnsafeTarget(_("The host name does not resolve to an address."))
    if not _allowed_private() and not all(_public(str(a[1][0])) for a in addresses):
        raise UnsafeTarget(
            _(
                "The host resolves to a private, loopback or link-local address: webhooks go "
                "only to public addresses."
            )
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses)


def target_check(url: str) -> None:
    """Raise `UnsafeTarget` unless webhooks may be sent to `url` (the module's rules)."""
    target_resolve(url)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _connect(family: int, sockaddr: tuple[Any, ...], timeout: float) -> socket.socket:
    """A TCP connection to exactly this address: no name is resolved here (no second lookup)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except OSError:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks to the pinned address; the Host header still names the URL's host."""

    def __init__(self, target: Target, address: tuple[int, tuple[Any, ...]], timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._pinned = address

    def connect(self) -> None:
        self.sock = _connect(*self._pinned, self.timeout)  # type: ignore[arg-type]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the pinned address with SNI and certificate checked for the URL's host name."""

    def __init__(self, target: Target, address: tuple[int, tuple[Any, ...]], timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._pinned = address

    def connect(self) -> None:
        raw = _connect(*self._pinned, self.timeout)  # type: ignore[arg-type]
        # server_hostname: the SNI sent and the name the certificate must match.
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str


def post(url: str, secret: str, body: bytes, *, kind: str, delivery_id: int) -> PostResult:
    """One signed POST; a 2xx answer is success, anything else (or no answer) a failure.

    The host is resolved once, every address checked, and the request goes to those checked
    addresses only (in order, the next if one does not connect): a name that answers a public
    address to the check and a loopback one a moment later (DNS rebinding) reaches nothing else.
    Redirects are not followed (a 3xx answer is a failure) and no proxy is used."""
    try:
        target = target_resolve(url)
    except UnsafeTarget as refused:
        return PostResult(False, None, str(refused))
    now = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CivicLoop-Webhooks/1",
        SIGNATURE_HEADER: signature(secret, now, body),
        "X-CivicLoop-Event": kind,
        "X-CivicLoop-Delivery": str(delivery_id),
    }
    pinned = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    error = ""
    for address in target.addresses:
        connection = pinned(target, address, TIMEOUT_SECONDS)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            code = int(connection.getresponse().status)
        except (ConnectionError, TimeoutError) as failed:
            error = str(failed)[:300] or type(failed).__name__
            continue  # not connected: the next checked address
        except (OSError, http.client.HTTPException) as failed:
            return PostResult(False, None, (str(failed) or type(failed).__name__)[:300])
        finally:
            connection.close()
        ok = 200 <= code < 300
        return PostResult(ok, code, "" if ok else f"HTTP {code}")
    return PostResult(False, None, error)
