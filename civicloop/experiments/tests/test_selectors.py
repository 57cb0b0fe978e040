"""Every read of the experiments app answers for the viewer: their unit's services, what their
agency owns, what is shared with their company; anything else does not exist (404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import MembershipFactory
from civicloop.experiments import selectors, services
from civicloop.experiments.models import ResultSnapshot
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(world):
    staff = world.principal("staff")
    housing = f.service(staff, world.unit, world.agency, name="Housing decisions")
    buses = f.service(
        staff, world.unit, world.other_agency, name="Bus passes", shared_with=[world.company]
    )
    metric = f.metric(staff, world.unit, "renewed")
    housing_exp = f.ab_experiment(staff, f.iteration(staff, housing), [(metric, "primary", None)])
    bus_exp = f.ab_experiment(
        staff, f.iteration(staff, buses), [(metric, "primary", None)], key="bus"
    )
    outsider = world.principal("outsider")
    theirs = f.service(outsider, world.other_unit, world.other_unit_agency, name="Their service")
    their_metric = f.metric(outsider, world.other_unit, "renewed")
    # The same key as ours: keys are unique per unit only.
    their_exp = f.ab_experiment(
        outsider, f.iteration(outsider, theirs), [(their_metric, "primary", None)], key="bus"
    )
    snapshots = {
        name: ResultSnapshot.objects.create(experiment=exp, computed_at=timezone.now(), ok=True)
        for name, exp in (("housing", housing_exp), ("bus", bus_exp), ("theirs", their_exp))
    }
    return {
        "housing": housing,
        "buses": buses,
        "theirs": theirs,
        "housing_exp": housing_exp,
        "bus_exp": bus_exp,
        "their_exp": their_exp,
        "snapshots": snapshots,
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("staff", {"Housing decisions", "Bus passes"}),
        ("auditor", {"Housing decisions", "Bus passes"}),
        ("evaluator", {"Housing decisions", "Bus passes"}),
        ("official", {"Housing decisions"}),
        ("other_official", {"Bus passes"}),
        ("vendor", {"Bus passes"}),
        ("outsider", {"Their service"}),
    ],
)
def test_services_and_their_experiments_are_those_the_viewer_may_see(world, objects, role, visible):
    viewer = world.principal(role)
    assert {s.name for s in selectors.service_list(viewer=viewer)} == visible
    experiments = selectors.experiment_list(viewer=viewer)
    assert {e.iteration.service.name for e in experiments} == visible
    for name in ("housing", "buses", "theirs"):
        service = objects[name]
        if service.name in visible:
            assert selectors.service_get(viewer=viewer, pk=service.pk) == service
            iteration = service.iterations.get()
            assert selectors.iteration_get(viewer=viewer, pk=iteration.pk) == iteration
        else:
            with pytest.raises(Http404):
                selectors.service_get(viewer=viewer, pk=service.pk)
            with pytest.raises(Http404):
                selectors.iteration_get(viewer=viewer, pk=service.iterations.get().pk)
            with pytest.raises(Http404):
                selectors.experiment_get(
                    viewer=viewer, pk=service.iterations.get().experiments.get().pk
                )


def test_a_key_names_the_viewers_own_experiment_never_another_units(world, objects):
    staff, outsider = world.principal("staff"), world.principal("outsider")
    assert selectors.experiment_get_by_key(viewer=staff, key="bus") == objects["bus_exp"]
    assert selectors.experiment_get_by_key(viewer=outsider, key="bus") == objects["their_exp"]
    with pytest.raises(Http404):
        selectors.experiment_get_by_key(viewer=outsider, key="sms-reminder")
    with pytest.raises(Http404):  # naming the other unit does not open it
        selectors.experiment_get_by_key(viewer=outsider, key="bus", organization_id=world.unit.pk)


def test_a_person_of_two_units_with_the_same_key_is_asked_which(world, objects):
    person = world.people["staff"]
    MembershipFactory.create(person=person, organization=world.other_unit, role=Role.UNIT_STAFF)
    both = principal_for_person(person)
    with pytest.raises(ValidationError) as raised:
        selectors.experiment_get_by_key(viewer=both, key="bus")
    assert "organization_id" in raised.value.message_dict
    chosen = selectors.experiment_get_by_key(
        viewer=both, key="bus", organization_id=world.other_unit.pk
    )
    assert chosen == objects["their_exp"]


def test_cited_results_are_only_those_the_viewer_may_see(world, objects):
    ids = [s.pk for s in objects["snapshots"].values()]
    staff = {s.pk for s in selectors.snapshot_list(viewer=world.principal("staff"), ids=ids)}
    assert staff == {objects["snapshots"]["housing"].pk, objects["snapshots"]["bus"].pk}
    vendor = {s.pk for s in selectors.snapshot_list(viewer=world.principal("vendor"), ids=ids)}
    assert vendor == {objects["snapshots"]["bus"].pk}
    outsider = selectors.snapshot_list(viewer=world.principal("outsider"), ids=ids)
    assert [s.pk for s in outsider] == [objects["snapshots"]["theirs"].pk]


def test_the_running_overview_shows_only_the_viewers_experiments(world, objects):
    staff, outsider = world.principal("staff"), world.principal("outsider")
    services.experiment_start(actor=staff, experiment=objects["housing_exp"])
    services.experiment_start(actor=outsider, experiment=objects["their_exp"])
    assert [r.experiment for r in selectors.running_overview(viewer=staff)] == [
        objects["housing_exp"]
    ]
    assert [r.experiment for r in selectors.running_overview(viewer=outsider)] == [
        objects["their_exp"]
    ]
    assert selectors.running_overview(viewer=world.principal("other_official")) == []


def test_tags_resolve_within_one_unit_only(world, objects):
    theirs = world.principal("outsider")
    f.service(theirs, world.other_unit, world.other_unit_agency, name="Housing decisions")
    tag = selectors.service_tag(objects["housing"])
    ours = selectors.services_tagged(unit_id=world.unit.pk, tag=tag)
    assert ours == [objects["housing"]]
    iteration = objects["housing"].iterations.get()
    assert selectors.iterations_tagged(
        unit_id=world.unit.pk, tag=selectors.iteration_tag(iteration)
    ) == [iteration]
    assert (
        selectors.iterations_tagged(
            unit_id=world.other_unit.pk, tag=selectors.iteration_tag(iteration)
        )
        == []
    )


def test_the_running_overview_reads_each_experiments_latest_snapshot_only(
    world, objects, django_assert_num_queries
):
    staff = world.principal("staff")
    services.experiment_start(actor=staff, experiment=objects["housing_exp"])
    now = timezone.now()
    for days in (3, 2):
        ResultSnapshot.objects.create(
            experiment=objects["housing_exp"], computed_at=now - timedelta(days=days)
        )
    latest = ResultSnapshot.objects.create(
        experiment=objects["housing_exp"], computed_at=now, ok=True, warnings=["Sample ratio"]
    )
    ResultSnapshot.objects.create(  # older, though created last
        experiment=objects["housing_exp"], computed_at=now - timedelta(days=9), ok=False
    )
    ids = selectors.running_order(viewer=staff)
    with django_assert_num_queries(2):  # the experiments, their latest snapshots
        (row,) = selectors.running_rows(viewer=staff, ids=ids)
    assert row.snapshot == latest and row.health == "warning"
    for _ in range(20):
        ResultSnapshot.objects.create(
            experiment=objects["housing_exp"], computed_at=now - timedelta(days=30)
        )
    with django_assert_num_queries(2):
        (row,) = selectors.running_rows(viewer=staff, ids=ids)
    assert row.snapshot == latest
