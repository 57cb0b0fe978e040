"""Encryption at rest for sealed proposal content and attachments.

Content is stored as Fernet tokens keyed from SECRET_KEY (HKDF-SHA256 with a purpose label), so
a database dump, the Django admin or a file on disk shows ciphertext only. The only callers of
`unseal` are the selectors that check the deadline first.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"civicloop.market.sealed-proposals.v1"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def unseal(token: bytes | memoryview) -> bytes:
    return _fernet().decrypt(bytes(token))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
