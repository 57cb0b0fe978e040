"""Encryption at rest for sealed proposal content and attachments.

Values are Fernet tokens under a dedicated key list, ``CIVICLOOP_SEALING_KEYS`` (comma-separated
Fernet keys; the first seals, every one opens), used through ``MultiFernet``, so changing
SECRET_KEY never makes a proposal unreadable. Each stored value names the key that sealed it:

    b"clseal1:" + key id (8 hex) + b":" + Fernet token

A key id is the first 8 hex digits of the SHA-256 of the key's 32 bytes: stable, not secret, what
`civicloop keys list` shows and what backups can record. Values sealed before the key list
existed are bare Fernet tokens under a key derived from SECRET_KEY (HKDF-SHA256 with a purpose
label); that legacy key opens only such bare tokens, and `civicloop keys rotate` re-seals them
(and anything under an older key) with the first key. A database dump, the Django admin or a
file on disk shows ciphertext only. The only callers of `unseal` are the selectors that check
the deadline first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "CIVICLOOP_SEALING_KEYS"
ENVELOPE = b"clseal1:"
_KEY_ID_LENGTH = 8
_LEGACY_PURPOSE = b"civicloop.market.sealed-proposals.v1"
logger = logging.getLogger(__name__)


class SealingKeyUnavailable(Exception):  # noqa: N818 - reads as the condition it reports
    """A sealed value cannot be opened with the keys this server holds (a configuration fault)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        logger.error("sealed value not opened: %s", message)


@dataclass(frozen=True)
class SealingKey:
    key_id: str
    fernet: Fernet
    role: str  # "primary", "decrypt-only" or "legacy"


def key_id(key: str | bytes) -> str:
    """The stable, non-secret identifier of a Fernet key."""
    raw = base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)
    return hashlib.sha256(raw).hexdigest()[:_KEY_ID_LENGTH]


def generate_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(values: Sequence[str]) -> list[SealingKey]:
    """Check a key list as configured; the message names the entry (never the key)."""
    keys: list[SealingKey] = []
    for position, value in enumerate(values, start=1):
        try:
            fernet = Fernet(value.strip().encode())
        except (ValueError, binascii.Error):
            raise ImproperlyConfigured(
                f"{SETTING}: entry {position} is not a Fernet key (32 bytes, URL-safe base64, "
                "44 characters). Make one with `civicloop keys generate`."
            ) from None
        identifier = key_id(value.strip())
        if any(k.key_id == identifier for k in keys):
            raise ImproperlyConfigured(
                f"{SETTING}: entry {position} repeats key {identifier}; list each key once."
            )
        keys.append(SealingKey(identifier, fernet, "primary" if not keys else "decrypt-only"))
    return keys


def configured_keys() -> list[SealingKey]:
    """The configured key list, primary first; refuses an empty or malformed list."""
    values = [v for v in getattr(settings, SETTING, []) if v.strip()]
    if not values:
        raise ImproperlyConfigured(
            f"{SETTING} is not set: give one or more Fernet keys, comma-separated, the first "
            "sealing new proposals (make one with `civicloop keys generate`; see "
            "docs/operations.md, 'Sealing keys')."
        )
    return parse_keys(values)


def legacy_keys() -> list[SealingKey]:
    """Keys derived from SECRET_KEY (and its fallbacks): they open values sealed before 2026-12."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    keys = []
    for secret in secrets:
        raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LEGACY_PURPOSE).derive(
            str(secret).encode()
        )
        encoded = base64.urlsafe_b64encode(raw)
        keys.append(SealingKey(key_id(encoded), Fernet(encoded), "legacy"))
    return keys


def _envelope(identifier: str, token: bytes) -> bytes:
    return ENVELOPE + identifier.encode() + b":" + token


def sealed_key_id(sealed: bytes | memoryview) -> str | None:
    """The id of the key that sealed a value; None for a value in the legacy format."""
    head = bytes(sealed[: len(ENVELOPE) + _KEY_ID_LENGTH + 1])
    if not head.startswith(ENVELOPE):
        return None
    return head[len(ENVELOPE) : len(ENVELOPE) + _KEY_ID_LENGTH].decode("ascii", "replace")


def _token(sealed: bytes) -> bytes:
    return sealed[len(ENVELOPE) + _KEY_ID_LENGTH + 1 :]


def seal(data: bytes) -> bytes:
    keys = configured_keys()
    token = MultiFernet([k.fernet for k in keys]).encrypt(data)
    return _envelope(keys[0].key_id, token)


def unseal(sealed: bytes | memoryview) -> bytes:
    """The plaintext, or SealingKeyUnavailable saying which key is missing."""
    value = bytes(sealed)
    identifier = sealed_key_id(value)
    if identifier is None:
        try:
            return MultiFernet([k.fernet for k in legacy_keys()]).decrypt(value)
        except InvalidToken:
            raise SealingKeyUnavailable(
                "This value was sealed before sealing keys existed, with a key derived from an "
                "earlier SECRET_KEY. The operator must put that SECRET_KEY in "
                "SECRET_KEY_FALLBACKS and run `civicloop keys rotate`."
            ) from None
    keys = configured_keys()
    if identifier not in {k.key_id for k in keys}:
        raise SealingKeyUnavailable(
            f"This value was sealed with key {identifier}, which is not in {SETTING}. The "
            "operator must add that key back (after the primary key) to open it."
        )
    try:
        return MultiFernet([k.fernet for k in keys]).decrypt(_token(value))
    except InvalidToken:
        raise SealingKeyUnavailable(
            f"This value does not open with key {identifier}: it is damaged, or the key listed "
            f"in {SETTING} under that id is not the one that sealed it."
        ) from None


def reseal(sealed: bytes | memoryview) -> bytes | None:
    """The value sealed again with the primary key, or None if it already is."""
    value = bytes(sealed)
    keys = configured_keys()
    identifier = sealed_key_id(value)
    if identifier == keys[0].key_id:
        return None
    openers = [k.fernet for k in keys]
    if identifier is None:
        openers += [k.fernet for k in legacy_keys()]
    try:
        token = MultiFernet(openers).rotate(value if identifier is None else _token(value))
    except InvalidToken:
        unseal(value)  # raises the error that names the missing key
        raise
    return _envelope(keys[0].key_id, token)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
