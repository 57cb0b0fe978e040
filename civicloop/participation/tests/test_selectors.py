"""Participation reads are scoped: moderators see the proposals of their own unit, never
another unit's; a citizen reaches only their own proposals through the "mine" reads; the
public sees published proposals only."""

from __future__ import annotations

import pytest
from django.http import Http404

from civicloop.core.permissions import ANONYMOUS
from civicloop.participation import selectors, services
from civicloop.participation.models import Proposal
from civicloop.participation.tests.conftest import citizen_row, published

pytestmark = pytest.mark.django_db


def _pending(world, author, unit) -> Proposal:
    return services.proposal_submit(
        actor=author,
        unit_id=unit.pk,
        kind="problem",
        title="Street lights are out on Calle Mayor",
        body="Half of the street lights on Calle Mayor have been out for three weeks now.",
        language="en",
    )


def test_moderators_see_their_units_proposals_and_never_another_units(world, ana, citizen_of):
    ours = _pending(world, ana, world.unit)
    theirs = _pending(world, citizen_of("bea@example.net"), world.other_unit)
    staff, outsider = world.principal("staff"), world.principal("outsider")
    assert list(selectors.staff_proposal_list(viewer=staff)) == [ours]
    assert list(selectors.staff_proposal_list(viewer=outsider)) == [theirs]
    assert selectors.moderation_queue(viewer=staff)["proposals"] == [ours]
    with pytest.raises(Http404):
        selectors.staff_proposal_get(viewer=staff, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.staff_proposal_get(viewer=outsider, pk=ours.pk)


@pytest.mark.parametrize("role", ["vendor", None])
def test_outsiders_and_visitors_moderate_nothing(world, ana, role):
    ours = _pending(world, ana, world.unit)
    viewer = world.principal(role) if role else ANONYMOUS
    assert not selectors.staff_proposal_list(viewer=viewer).exists()
    assert all(not rows for rows in selectors.moderation_queue(viewer=viewer).values())
    with pytest.raises(Http404):
        selectors.staff_proposal_get(viewer=viewer, pk=ours.pk)


def test_a_citizen_reaches_only_their_own_proposals(world, ana, citizen_of):
    anas = _pending(world, ana, world.unit)
    bea = citizen_of("bea@example.net")
    beas = _pending(world, bea, world.unit)
    assert list(selectors.citizen_proposals(citizen=citizen_row(ana))) == [anas]
    with pytest.raises(Http404):
        selectors.citizen_proposal_get(citizen=citizen_row(bea), pk=anas.pk)
    assert selectors.citizen_proposal_get(citizen=citizen_row(bea), pk=beas.pk) == beas


def test_the_public_sees_published_proposals_only(world, ana):
    waiting = _pending(world, ana, world.unit)
    shown = published(world, ana, title="Bins are not emptied on Sundays")
    assert list(selectors.public_proposal_list()) == [shown]
    with pytest.raises(Http404):
        selectors.public_proposal_get(pk=waiting.pk)
