"""Core reads are scoped by the viewer: another unit's organisations, keys and audit events do
not exist for them."""

from __future__ import annotations

import pytest

from civicloop.core import selectors
from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, units_for


def _ids(items) -> set[int]:
    return {item.pk for item in items}


@pytest.mark.django_db
def test_organisations_are_the_viewers_and_their_units_agencies(world):
    staff = world.principal("staff")
    assert _ids(selectors.organization_list_for(viewer=staff)) == {
        world.unit.pk,
        world.agency.pk,
        world.other_agency.pk,
    }
    assert _ids(selectors.organization_list_for(viewer=staff, kind="agency")) == {
        world.agency.pk,
        world.other_agency.pk,
    }
    assert world.other_unit.pk not in _ids(selectors.organization_list_for(viewer=staff))


@pytest.mark.django_db
def test_units_for_names_only_units_where_the_viewer_holds_the_ability(world):
    # one `units_for`, the gate's (core.permissions); selectors and pages use it
    staff = world.principal("staff")
    assert units_for(staff, Ability.VIEW_PORTFOLIO) == [world.unit]
    auditor = world.principal("auditor")
    assert units_for(auditor, Ability.VIEW_AUDIT) == [world.unit]
    assert units_for(auditor, Ability.MANAGE_API_KEYS) == []
    assert units_for(world.principal("official"), Ability.VIEW_PORTFOLIO) == []


@pytest.mark.django_db
def test_api_keys_and_audit_events_of_another_unit_are_not_listed(world):
    world.api_key(org=world.unit)
    world.api_key(org=world.other_unit)
    audit_record(actor=None, action="test.ours", organization=world.unit)
    audit_record(actor=None, action="test.theirs", organization=world.other_unit)
    staff = world.principal("staff")
    assert {k.organization_id for k in selectors.apikey_list(viewer=staff)} == {world.unit.pk}
    assert not selectors.apikey_list(viewer=world.principal("auditor")).exists()
    actions = set(
        selectors.audit_event_list(viewer=world.principal("auditor")).values_list(
            "action", flat=True
        )
    )
    assert "test.ours" in actions and "test.theirs" not in actions
    assert not selectors.audit_event_list(viewer=world.principal("official")).exists()
