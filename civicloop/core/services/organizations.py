"""Organisations, people, memberships and a unit's settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.events import CoreEvent
from civicloop.core.models import (
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Role,
)
from civicloop.core.permissions import SYSTEM, Ability, Principal, is_operator, require


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
    """Create an organisation of a kind (unit, agency, jurisdiction, company, research body).

    Within a unit (`unit` given), its settings managers may; a unit or a company of its own is
    created by the operator or the demo loader (`SYSTEM`; None is read as `SYSTEM`).
    """
    actor = SYSTEM if actor is None else actor
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": _("Unknown kind '%(kind)s'.") % {"kind": kind}})
    org = Organization(
        kind=kind,
        name=name.strip(),
        slug=slug or slugify(name)[:80],
        unit=unit,
        population=population,
        sme_size=sme_size,
        country=country,
    )
    # An organisation not yet saved is in nobody's scope: only the system and operators (the
    # superusers who alone create units, docs/people.md) create one alone.
    if not is_operator(actor):
        require(actor, Ability.MANAGE_SETTINGS, unit if unit is not None else org)
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
    """Give a person a role in an organisation (of the actor's unit; None is read as `SYSTEM`)."""
    actor = SYSTEM if actor is None else actor
    require(actor, Ability.MANAGE_SETTINGS, organization.unit_id or organization.pk)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role '%(role)s'.") % {"role": role}})
    membership, _created = Membership.objects.get_or_create(
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


@transaction.atomic
def unit_weights_update(
    *, actor: Principal, unit: Organization, weights: dict[str, float]
) -> Organization:
    """Set the unit's prioritisation weights (impact, reach, urgency, effort exponents)."""
    require(actor, Ability.MANAGE_SETTINGS, unit)
    allowed = {"impact", "reach", "urgency", "effort"}
    clean: dict[str, float] = {}
    for name, value in weights.items():
        if name not in allowed:
            raise ValidationError(
                {name: _("Unknown weight; use one of %(value)s.") % {"value": sorted(allowed)}}
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError({name: _("Weight must be a number.")}) from None
        if not 0 <= number <= 5:
            raise ValidationError({name: _("Weight must be between 0 and 5.")})
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
