"""Portfolio reads are scoped by the viewer: another unit's problems, KPIs, measurements and
target groups do not exist for them, and an agency official sees only what their agency owns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from civicloop.core.permissions import Ability
from civicloop.portfolio import selectors
from civicloop.portfolio.tests.factories import (
    KpiFactory,
    MeasurementFactory,
    ProblemFactory,
    TargetGroupFactory,
)


@pytest.fixture
def problems(world):
    return {
        "housing": ProblemFactory.create(unit=world.unit, owner_agency=world.agency),
        "transport": ProblemFactory.create(unit=world.unit, owner_agency=world.other_agency),
        "elsewhere": ProblemFactory.create(
            unit=world.other_unit, owner_agency=world.other_unit_agency
        ),
    }


def _ids(items) -> set[int]:
    return {item.pk for item in items}


@pytest.mark.django_db
def test_problem_list_and_get_follow_the_viewers_scope(world, problems):
    staff, official = world.principal("staff"), world.principal("official")
    assert _ids(selectors.problem_list(viewer=staff)) == {
        problems["housing"].pk,
        problems["transport"].pk,
    }
    assert _ids(selectors.problem_list(viewer=official)) == {problems["housing"].pk}
    assert _ids(selectors.problem_list(viewer=world.principal("vendor"))) == set()
    assert _ids(selectors.problem_list(viewer=world.principal("outsider"))) == {
        problems["elsewhere"].pk
    }
    with pytest.raises(Http404):
        selectors.problem_get(viewer=staff, pk=problems["elsewhere"].pk)
    with pytest.raises(Http404):
        selectors.problem_get(viewer=official, pk=problems["transport"].pk)
    with pytest.raises(Http404):  # auditors read; they do not move stages
        selectors.problem_get(
            viewer=world.principal("auditor"), pk=problems["housing"].pk, ability=Ability.MOVE_STAGE
        )


@pytest.mark.django_db
def test_kpis_and_measurements_follow_their_problems_scope(world, problems):
    ours = MeasurementFactory.create(kpi=KpiFactory.create(problem=problems["housing"]))
    theirs = MeasurementFactory.create(kpi=KpiFactory.create(problem=problems["elsewhere"]))
    staff = world.principal("staff")
    assert _ids(selectors.kpi_list(viewer=staff)) == {ours.kpi_id}
    assert _ids(selectors.measurement_list(viewer=staff)) == {ours.pk}
    assert selectors.kpi_get(viewer=staff, pk=ours.kpi_id) == ours.kpi
    with pytest.raises(Http404):
        selectors.kpi_get(viewer=staff, pk=theirs.kpi_id)
    assert not selectors.measurement_list(viewer=staff, kpi_id=theirs.kpi_id).exists()


@pytest.mark.django_db
def test_target_groups_and_agencies_offered_are_the_viewers(world, problems):
    ours = TargetGroupFactory.create(unit=world.unit)
    theirs = TargetGroupFactory.create(unit=world.other_unit)
    staff = world.principal("staff")
    assert _ids(selectors.target_group_list(viewer=staff)) == {ours.pk}
    assert selectors.target_groups_by_id(
        viewer=staff, unit=world.unit, ids=[ours.pk, theirs.pk]
    ) == [ours]
    assert selectors.target_groups_by_id(viewer=staff, unit=world.other_unit, ids=[theirs.pk]) == []
    assert _ids(selectors.agency_filter_choices(viewer=staff)) == {
        world.agency.pk,
        world.other_agency.pk,
    }
    assert _ids(selectors.agency_filter_choices(viewer=world.principal("official"))) == {
        world.agency.pk
    }


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/portfolio/").status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_portfolio_page_costs_the_same_queries_for_2_or_8_problems(
    world, django_assert_max_num_queries
):
    client = world.client("staff")
    for _ in range(2):
        MeasurementFactory.create(
            kpi=KpiFactory.create(
                problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
            )
        )
    _list_queries(client)  # the first request of a session also loads what it caches
    few = _list_queries(client)
    for _ in range(6):
        MeasurementFactory.create(
            kpi=KpiFactory.create(
                problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
            )
        )
    assert _list_queries(client) == few
    with django_assert_max_num_queries(12):
        client.get("/portfolio/")
