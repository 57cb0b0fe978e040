"""What a person sets on their own account, and a unit's time zone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.models import Organization, Person, validate_time_zone
from civicloop.core.permissions import Ability, Principal, require, require_person


def _checked_zone(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_time_zone(value)
    except ValidationError as error:
        raise ValidationError({"time_zone": error.messages}) from None
    return value


@transaction.atomic
def person_time_zone_set(*, actor: Principal, time_zone: str) -> Person:
    """Set the zone the acting person sees times in ("" returns to their organisation's)."""
    person = require_person(actor)
    zone = _checked_zone(time_zone)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = person.time_zone
    person.time_zone = zone
    person.save(update_fields=["time_zone"])
    audit_record(
        actor=actor,
        action=CoreEvent.SETTINGS_CHANGED,
        obj=person,
        before={"time_zone": before},
        after={"time_zone": zone},
    )
    return person


@transaction.atomic
def unit_time_zone_set(*, actor: Principal, unit: Organization, time_zone: str) -> Organization:
    """Set the zone the unit's people see times in unless they choose their own."""
    require(actor, Ability.MANAGE_SETTINGS, unit)
    if not time_zone:
        raise ValidationError({"time_zone": _("Choose a time zone, such as Europe/Madrid.")})
    zone = _checked_zone(time_zone)
    unit = Organization.objects.select_for_update().get(pk=unit.pk)
    before = unit.time_zone
    unit.time_zone = zone
    unit.save(update_fields=["time_zone", "updated_at"])
    audit_record(
        actor=actor,
        action=CoreEvent.SETTINGS_CHANGED,
        obj=unit,
        organization=unit,
        before={"time_zone": before},
        after={"time_zone": zone},
    )
    return unit
