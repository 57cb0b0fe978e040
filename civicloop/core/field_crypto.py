"""Encryption at rest for secrets CivicLoop must read back (webhook signing secrets).

A hash would not do: the server needs the secret itself to sign each delivery. Values are
Fernet tokens under ``CIVICLOOP_FIELD_KEYS`` (comma-separated Fernet keys; the first encrypts,
every one decrypts) used through ``MultiFernet``, apart from SECRET_KEY and from the sealing
keys of proposals (docs/adr/0008). Each stored value names its key:

    "clfield1:" + key id (8 hex) + ":" + Fernet token

The key id is the first 8 hex digits of the SHA-256 of the key's bytes (not secret). A database
dump, the Django admin or a backup shows ciphertext only. Rotation: put a new key first, keep
the old ones after it, restart, run `civicloop field-keys rotate`, then drop the old keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SETTING = "CIVICLOOP_FIELD_KEYS"
ENVELOPE = "clfield1:"
_KEY_ID_LENGTH = 8


class FieldKeyUnavailable(Exception):  # noqa: N818 - reads as the condition it reports
    """An encrypted value cannot be opened with the configured keys (a configuration fault)."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    fernet: Fernet


def key_id(key: str) -> str:
    """The stable, non-secret identifier of a Fernet key."""
    return hashlib.sha256(base64.urlsafe_b64decode(key.encode())).hexdigest()[:_KEY_ID_LENGTH]


def generate_key() -> str:
    return Fernet.generate_key().decode()


def configured_keys() -> list[FieldKey]:
    """The configured keys, the encrypting one first; refuses an empty or malformed list."""
    values = [v.strip() for v in getattr(settings, SETTING, []) if v.strip()]
    if not values:
        raise ImproperlyConfigured(
            f"{SETTING} is not set: give one or more Fernet keys, comma-separated, the first "
            "encrypting (make one with `civicloop field-keys generate`; see docs/operations.md, "
            "'Field encryption keys')."
        )
    keys = []
    for position, value in enumerate(values, start=1):
        try:
            fernet = Fernet(value.encode())
        except (ValueError, binascii.Error):
            raise ImproperlyConfigured(
                f"{SETTING}: entry {position} is not a Fernet key (32 bytes, URL-safe base64, "
                "44 characters). Make one with `civicloop field-keys generate`."
            ) from None
        keys.append(FieldKey(key_id(value), fernet))
    return keys


def is_encrypted(value: str) -> bool:
    return value.startswith(ENVELOPE)


def value_key_id(value: str) -> str | None:
    """The id of the key that encrypted a value (None if it is not an encrypted value)."""
    if not is_encrypted(value):
        return None
    return value[len(ENVELOPE) : len(ENVELOPE) + _KEY_ID_LENGTH]


def encrypt(plaintext: str) -> str:
    keys = configured_keys()
    token = MultiFernet([k.fernet for k in keys]).encrypt(plaintext.encode())
    return f"{ENVELOPE}{keys[0].key_id}:{token.decode()}"


def decrypt(value: str) -> str:
    """The plaintext, or `FieldKeyUnavailable` naming the missing key (never the value)."""
    identifier = value_key_id(value)
    if identifier is None:
        raise FieldKeyUnavailable("The value is not encrypted with a field key.")
    keys = configured_keys()
    if identifier not in {k.key_id for k in keys}:
        raise FieldKeyUnavailable(
            f"This value was encrypted with key {identifier}, which is not in {SETTING}: add "
            "that key back (after the first one) to read it."
        )
    token = value[len(ENVELOPE) + _KEY_ID_LENGTH + 1 :].encode()
    try:
        return MultiFernet([k.fernet for k in keys]).decrypt(token).decode()
    except InvalidToken:
        raise FieldKeyUnavailable(
            f"This value does not open with key {identifier}: it is damaged, or the key under "
            "that id is not the one that encrypted it."
        ) from None


def reencrypt(value: str) -> str | None:
    """The value encrypted again with the first key, or None if it already is."""
    keys = configured_keys()
    if value_key_id(value) == keys[0].key_id:
        return None
    return encrypt(decrypt(value))
