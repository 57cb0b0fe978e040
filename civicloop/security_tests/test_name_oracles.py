"""Names users choose never tell one organisation what another has (the F17 class).

Public addresses are global, so whatever a unit gets back when it names something must not
depend on another unit's rows. Experiment keys are covered in test_event_tenancy.py.
"""

from __future__ import annotations

import re

from civicloop.core.models import Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import MembershipFactory, PersonFactory
from civicloop.scaling import services


def _staff(unit):
    person = PersonFactory.create()
    MembershipFactory.create(person=person, organization=unit, role=Role.UNIT_STAFF)
    return principal_for_person(person)


def _apply(actor, unit, *, published):
    return services.sandbox_apply(
        actor=actor,
        unit=unit,
        title="Drone deliveries of medicines",
        public_summary="Testing drone deliveries under a temporary exemption.",
        regulator="Civil aviation authority",
        published=published,
    )


def test_a_sandbox_address_does_not_reveal_another_units_sandbox_of_the_same_title(world):
    # Unit A holds an unpublished sandbox with the title unit B is about to use.
    _apply(world.principal("staff"), world.unit, published=False)
    b_actor = _staff(world.other_unit)
    first = _apply(b_actor, world.other_unit, published=True)
    second = _apply(b_actor, world.other_unit, published=True)
    shape = re.compile(r"^drone-deliveries-of-medicines-[0-9a-f]{8}$")
    # The same shape whether or not the title was used before, by anyone: no '-2' numbering.
    assert shape.match(first.slug), first.slug
    assert shape.match(second.slug), second.slug
    assert first.slug != second.slug
