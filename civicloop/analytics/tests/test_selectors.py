"""Metric definitions are read within the viewer's units only; others' do not exist (404)."""

from __future__ import annotations

import pytest
from django.http import Http404

from civicloop.analytics import selectors
from civicloop.core.permissions import Ability
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics(world):
    ours = f.metric(world.principal("staff"), world.unit, "renewed")
    theirs = f.metric(world.principal("outsider"), world.other_unit, "renewed")
    return ours, theirs


@pytest.mark.parametrize(
    ("role", "sees_ours", "sees_theirs"),
    [
        ("staff", True, False),
        ("auditor", True, False),
        ("evaluator", True, False),
        ("outsider", False, True),
        ("official", False, False),
        ("vendor", False, False),
    ],
)
def test_metrics_are_those_of_the_viewers_units(world, metrics, role, sees_ours, sees_theirs):
    ours, theirs = metrics
    viewer = world.principal(role)
    listed = set(selectors.metric_list(viewer=viewer))
    assert (ours in listed, theirs in listed) == (sees_ours, sees_theirs)
    for metric, visible in ((ours, sees_ours), (theirs, sees_theirs)):
        if visible:
            assert selectors.metric_get(viewer=viewer, pk=metric.pk) == metric
        else:
            with pytest.raises(Http404):
                selectors.metric_get(viewer=viewer, pk=metric.pk)


def test_reading_a_metric_to_manage_it_needs_the_right_to_manage(world, metrics):
    ours, _theirs = metrics
    auditor = world.principal("auditor")
    with pytest.raises(Http404):
        selectors.metric_get(viewer=auditor, pk=ours.pk, ability=Ability.MANAGE_EXPERIMENTS)
    staff = world.principal("staff")
    assert (
        selectors.metric_get(viewer=staff, pk=ours.pk, ability=Ability.MANAGE_EXPERIMENTS) == ours
    )


def test_a_units_listing_can_be_narrowed_but_never_widened(world, metrics):
    ours, theirs = metrics
    staff = world.principal("staff")
    assert list(selectors.metric_list(viewer=staff, unit_id=world.unit.pk)) == [ours]
    assert list(selectors.metric_list(viewer=staff, unit_id=world.other_unit.pk)) == []
