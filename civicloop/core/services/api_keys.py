"""API keys: minted (the secret shown once, only its hash kept), revoked, authenticated."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.mfa import may_create_api_key
from civicloop.core.models import (
    ApiKey,
    ApiKeyScope,
    Organization,
)
from civicloop.core.permissions import SYSTEM, Ability, Principal, require

API_KEY_PREFIX = "clk_"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


@transaction.atomic
def apikey_create(
    *, actor: Principal | None, organization: Organization, name: str, scope: str
) -> CreatedApiKey:
    """Mint a key; the secret is returned once and only its SHA-256 is kept."""
    if scope not in ApiKeyScope.values:
        raise ValidationError({"scope": _("Scope must be 'read' or 'write'.")})
    actor = SYSTEM if actor is None else actor  # the operator's `apikey` command
    require(actor, Ability.MANAGE_API_KEYS, organization.pk)
    if actor.person is not None and not may_create_api_key(actor.person):
        # A key outlives the session: minting one needs a person who has a second factor.
        raise PermissionError(
            "Set up two-factor authentication (Account > Two-factor authentication) before "
            "creating an API key."
        )
    if not name.strip():
        raise ValidationError({"name": _("Give the key a name so you can recognise it later.")})
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name.strip()[:100],
        prefix=prefix,
        key_hash=_hash_secret(secret),
        scope=scope,
        created_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=CoreEvent.API_KEY_CREATED,
        obj=key,
        organization=organization,
        after={"name": key.name, "prefix": prefix, "scope": scope},
    )
    return CreatedApiKey(api_key=key, secret=secret)


@transaction.atomic
def apikey_revoke(*, actor: Principal, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; requests with it answer 401 from now on."""
    require(actor, Ability.MANAGE_API_KEYS, api_key.organization_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action=CoreEvent.API_KEY_REVOKED,
            obj=api_key,
            organization=api_key.organization_id,
            after={"prefix": api_key.prefix},
        )
    return api_key


def apikey_authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None. Constant-time comparison of the hash."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    try:
        prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    except IndexError:
        return None
    key = (
        ApiKey.objects.select_related("organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash_secret(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
