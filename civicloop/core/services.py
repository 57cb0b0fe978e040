"""Every write to organisations, memberships, people and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.events import CoreEvent
from civicloop.core.mfa import may_create_api_key
from civicloop.core.models import (
    ApiKey,
    ApiKeyScope,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Role,
)
from civicloop.core.permissions import Ability, Principal, can

API_KEY_PREFIX = "clk_"


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def organization_create(
    *,
    actor: Principal | None,
    kind: str,
    name: str,
    slug: str | None = None,
    unit: Organization | None = None,
    population: int | None = None,
    sme_size: str = "",
    country: str = "",
) -> Organization:
    """Create an organisation of a kind (unit, agency, jurisdiction, company, research body)."""
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": f"Unknown kind '{kind}'."})
    org = Organization(
        kind=kind,
        name=name.strip(),
        slug=slug or slugify(name)[:80],
        unit=unit,
        population=population,
        sme_size=sme_size,
        country=country,
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action=CoreEvent.ORGANIZATION_CREATED,
        obj=org,
        organization=unit or org,
        after=model_snapshot(org),
    )
    return org


@transaction.atomic
def person_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> Person:
    """Create a person who can sign in (password hashed by Django)."""
    person = Person.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    return person


@transaction.atomic
def membership_add(
    *, actor: Principal | None, person: Person, organization: Organization, role: str
) -> Membership:
    """Give a person a role in an organisation."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role '{role}'."})
    membership, _ = Membership.objects.get_or_create(
        person=person, organization=organization, role=role
    )
    audit_record(
        actor=actor,
        action=CoreEvent.MEMBERSHIP_ADDED,
        obj=membership,
        organization=organization.unit or organization,
        after={"person_id": person.pk, "organization_id": organization.pk, "role": role},
    )
    return membership


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
        raise ValidationError({"scope": "Scope must be 'read' or 'write'."})
    if (
        actor is not None
        and actor.is_authenticated
        and not can(actor, Ability.MANAGE_API_KEYS, unit_id=organization.pk)
    ):
        raise PermissionError("not allowed to manage API keys for this organisation")
    if actor is not None and actor.person is not None and not may_create_api_key(actor.person):
        # A key outlives the session: minting one needs a person who has a second factor.
        raise PermissionError(
            "Set up two-factor authentication (Account > Two-factor authentication) before "
            "creating an API key."
        )
    if not name.strip():
        raise ValidationError({"name": "Give the key a name so you can recognise it later."})
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name.strip()[:100],
        prefix=prefix,
        key_hash=_hash_secret(secret),
        scope=scope,
        created_by=actor.person if actor else None,
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


@transaction.atomic
def person_erase(*, actor: Principal, person: Person) -> Person:
    """Right to erasure: remove personal data but keep the row so audit links stay intact."""
    before = {"email_domain": person.email.split("@")[-1]}
    person.email = f"erased-{person.pk}@invalid.example"
    person.username = person.email
    person.full_name = ""
    person.first_name = ""
    person.last_name = ""
    person.is_active = False
    person.set_unusable_password()
    person.save()
    person.memberships.all().delete()
    audit_record(actor=actor, action=CoreEvent.PERSON_ERASED, obj=person, before=before)
    return person


@transaction.atomic
def unit_weights_update(
    *, actor: Principal, unit: Organization, weights: dict[str, float]
) -> Organization:
    """Set the unit's prioritisation weights (impact, reach, urgency, effort exponents)."""
    allowed = {"impact", "reach", "urgency", "effort"}
    clean: dict[str, float] = {}
    for name, value in weights.items():
        if name not in allowed:
            raise ValidationError({name: f"Unknown weight; use one of {sorted(allowed)}."})
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({name: "Weight must be a number."}) from None
        if not 0 <= number <= 5:
            raise ValidationError({name: "Weight must be between 0 and 5."})
        clean[name] = number
    before = dict(unit.prioritisation_weights)
    unit.prioritisation_weights = clean
    unit.save(update_fields=["prioritisation_weights", "updated_at"])
    audit_record(
        actor=actor,
        action=CoreEvent.SETTINGS_CHANGED,
        obj=unit,
        organization=unit,
        before={"prioritisation_weights": before},
        after={"prioritisation_weights": clean},
    )
    return unit
