"""The permission gate: `require` and `acting_unit` (docs/architecture.md, "The permission gate")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from civicloop.core.models import Role
from civicloop.core.permissions import (
    SYSTEM,
    Ability,
    NoActingUnit,
    acting_unit,
    principal_for_person,
    require,
    units_for,
)
from civicloop.core.tests.factories import (
    AgencyFactory,
    CompanyFactory,
    MembershipFactory,
    PersonFactory,
    UnitFactory,
)
from civicloop.portfolio.tests.factories import ProblemFactory

pytestmark = pytest.mark.django_db


def _person_in(*memberships):
    person = PersonFactory.create()
    for org, role in memberships:
        MembershipFactory.create(person=person, organization=org, role=role)
    return principal_for_person(person)


def test_staff_may_act_on_their_units_objects_and_nowhere_else():
    unit, other = UnitFactory.create(), UnitFactory.create()
    staff = _person_in((unit, Role.UNIT_STAFF))
    mine, theirs = ProblemFactory.create(unit=unit), ProblemFactory.create(unit=other)
    require(staff, Ability.EDIT_PORTFOLIO, mine)
    require(staff, Ability.EDIT_PORTFOLIO, unit)
    require(staff, Ability.EDIT_PORTFOLIO, unit.pk)
    for target in (theirs, other, other.pk):
        with pytest.raises(Http404):
            require(staff, Ability.EDIT_PORTFOLIO, target)


def test_a_role_without_the_ability_is_refused_as_not_found():
    unit = UnitFactory.create()
    auditor = _person_in((unit, Role.AUDITOR))
    problem = ProblemFactory.create(unit=unit)
    require(auditor, Ability.VIEW_PORTFOLIO, problem)
    with pytest.raises(Http404):
        require(auditor, Ability.EDIT_PORTFOLIO, problem)


def test_an_agency_official_acts_on_what_their_agency_owns():
    unit, agency, other_agency = (
        UnitFactory.create(),
        AgencyFactory.create(),
        AgencyFactory.create(),
    )
    official = _person_in((agency, Role.AGENCY_OFFICIAL))
    owned = ProblemFactory.create(unit=unit, owner_agency=agency)
    not_owned = ProblemFactory.create(unit=unit, owner_agency=other_agency)
    require(official, Ability.RECORD_MEASUREMENT, owned)
    with pytest.raises(Http404):
        require(official, Ability.RECORD_MEASUREMENT, not_owned)
    with pytest.raises(Http404):  # owning a problem is not running the unit
        require(official, Ability.EDIT_PORTFOLIO, owned)


def test_a_vendor_holds_no_unit_ability():
    unit = UnitFactory.create()
    vendor = _person_in((CompanyFactory.create(), Role.VENDOR))
    for ability in Ability:
        with pytest.raises(Http404):
            require(vendor, ability, unit)


def test_system_may_act_anywhere_but_must_name_its_unit():
    require(SYSTEM, Ability.EDIT_PORTFOLIO, UnitFactory.create())
    with pytest.raises(TypeError):
        acting_unit(SYSTEM, Ability.EDIT_PORTFOLIO)


def test_require_refuses_a_target_it_cannot_place():
    staff = _person_in((UnitFactory.create(), Role.UNIT_STAFF))
    with pytest.raises(TypeError):
        require(staff, Ability.VIEW_PORTFOLIO, "unit-1")
    with pytest.raises(TypeError):
        require(staff, Ability.VIEW_PORTFOLIO, True)


def test_acting_unit_takes_the_only_unit():
    unit = UnitFactory.create()
    staff = _person_in((unit, Role.UNIT_STAFF))
    assert acting_unit(staff, Ability.MANAGE_EXPERIMENTS) == unit


def test_acting_unit_asks_when_there_are_several_and_never_takes_the_first():
    first, second = UnitFactory.create(name="A unit"), UnitFactory.create(name="B unit")
    staff = _person_in((first, Role.UNIT_STAFF), (second, Role.UNIT_STAFF))
    with pytest.raises(ValidationError) as raised:
        acting_unit(staff, Ability.MANAGE_EXPERIMENTS, field="unit")
    assert "unit" in raised.value.message_dict
    assert acting_unit(staff, Ability.MANAGE_EXPERIMENTS, second.pk) == second
    assert acting_unit(staff, Ability.MANAGE_EXPERIMENTS, first) == first
    assert units_for(staff, Ability.MANAGE_EXPERIMENTS) == [first, second]


def test_acting_unit_answers_404_for_a_unit_outside_scope_and_403_for_none():
    unit, other = UnitFactory.create(), UnitFactory.create()
    staff = _person_in((unit, Role.UNIT_STAFF))
    with pytest.raises(Http404):
        acting_unit(staff, Ability.MANAGE_EXPERIMENTS, other.pk)
    evaluator = _person_in((unit, Role.EVALUATOR))
    # an evaluator holds the ability to score, not to manage experiments, in their unit
    with pytest.raises(NoActingUnit):
        acting_unit(evaluator, Ability.MANAGE_EXPERIMENTS)
    assert acting_unit(evaluator, Ability.EVALUATE_PROPOSALS) == unit
