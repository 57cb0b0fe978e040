"""Writes for data subject requests: erasure of a person (GDPR Art. 17) and the audited export
of a person's own data (Arts. 15 and 20)."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from civicloop.core.audit import audit_record
from civicloop.core.events import CoreEvent
from civicloop.core.models import Person
from civicloop.core.permissions import SYSTEM, Ability, Principal, require, require_person
from civicloop.core.services import (
    PSEUDONYMISED,
    ErasureLine,
    ErasureReport,
    person_erase,
    person_pseudonym,
)
from civicloop.participation import services as participation_services
from civicloop.privacy import selectors
from civicloop.privacy.signals import person_erasing
from civicloop.scaling import services as scaling_services


@transaction.atomic
def person_erasure_run(*, actor: Principal, person_id: int, confirm_email: str) -> ErasureReport:
    """Erase a person of the actor's unit, after the actor typed the person's e-mail again."""
    person = selectors.erasable_person_get(viewer=actor, pk=person_id)
    for unit_id in _units_of(person):
        require(actor, Ability.MANAGE_DATA_SUBJECTS, unit_id)
    if confirm_email.strip().lower() != person.email.lower():
        raise ValidationError(
            {
                "confirm_email": gettext(
                    "Type the person's e-mail address exactly to confirm the erasure."
                )
            }
        )
    return _erase(actor=actor, person=person)


@transaction.atomic
def person_erasure_run_by_operator(*, email: str) -> ErasureReport:
    """The operator's erasure (`manage.py erase_person`) of anyone, vendors and people of
    several units included: the cases no single unit's staff may decide (ADR 0012)."""
    person = Person.objects.filter(email__iexact=email.strip()).first()
    if person is None:
        raise ValidationError({"email": gettext("No person has this e-mail address.")})
    return _erase(actor=SYSTEM, person=person)


def _units_of(person: Person) -> list[int]:
    """The units the person belongs to (through the unit itself or one of its agencies)."""
    return sorted(
        {
            m.organization.unit_id or m.organization_id
            for m in person.memberships.select_related("organization")
        }
    )


def _erase(*, actor: Principal, person: Person) -> ErasureReport:
    units = _units_of(person)
    names = {person.email, person.full_name, person.get_full_name(), person.display_name}
    relabelled = scaling_services.obstacle_owner_labels_erase(
        person=person, names=names, pseudonym=person_pseudonym(person)
    )
    extra = [
        ErasureLine(
            gettext_noop("obstacle owner labels that named the person"),
            relabelled,
            PSEUDONYMISED,
            gettext_noop("the obstacle stays on the register; its owner shows the pseudonym"),
        )
    ]
    extra += participation_services.citizen_erase(person=person)
    for _receiver, lines in person_erasing.send(sender=Person, person=person):
        extra += cast(list[ErasureLine], lines)
    return person_erase(
        actor=actor,
        person=person,
        organization=units[0] if units else None,
        extra=[line for line in extra if line.count],
    )


@transaction.atomic
def personal_data_export_run(*, actor: Principal) -> dict[str, Any]:
    """The signed-in person's data as JSON; the export itself is audited (no content kept)."""
    person = require_person(actor)  # their own data: no ability, only that it is them
    data = selectors.personal_data_export(viewer=actor)
    audit_record(
        actor=actor,
        action=CoreEvent.PERSONAL_DATA_EXPORTED,
        obj=person,
        metadata={
            "sections": {k: len(v) for k, v in data.items() if isinstance(v, list)},
        },
    )
    return data
