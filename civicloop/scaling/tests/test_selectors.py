"""Every scaling read is scoped by the viewer: the unit's people and the owning agency see the
unit's rows, nobody else does, and a row outside scope "does not exist" (404)."""

import pytest
from django.http import Http404

from civicloop.core.permissions import Ability
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling import selectors, services

pytestmark = pytest.mark.django_db

READERS = ["staff", "evaluator", "auditor", "official"]  # the unit, and the owning agency
STRANGERS = ["outsider", "other_official", "vendor"]


def _lists(world, role):
    viewer = world.principal(role)
    return {
        "assessments": list(selectors.assessment_list(viewer=viewer)),
        "obstacles": list(selectors.obstacle_list(viewer=viewer)),
        "plans": list(selectors.plan_list(viewer=viewer)),
        "sandboxes": list(selectors.sandbox_list(viewer=viewer)),
        "lessons": list(selectors.lesson_search(viewer=viewer)),
    }


@pytest.fixture
def lesson(world, scaled):
    return services.lesson_record(
        actor=world.principal("staff"),
        unit=world.unit,
        problem=scaled["problem"],
        title="Call first",
        what_we_learnt="Ring before sending letters.",
        outcome="success",
    )


@pytest.mark.parametrize("role", READERS)
def test_the_unit_and_the_owning_agency_read_every_scaling_list(world, scaled, lesson, role):
    found = _lists(world, role)
    assert [a.pk for a in found["assessments"]] == [scaled["assessment"].pk]
    assert len(found["obstacles"]) == 3
    assert [p.pk for p in found["plans"]] == [scaled["plan"].pk]
    assert [s.pk for s in found["sandboxes"]] == [scaled["sandbox"].pk]
    assert [x.pk for x in found["lessons"]] == [lesson.pk]


@pytest.mark.parametrize("role", STRANGERS)
def test_other_units_agencies_and_vendors_read_nothing(world, scaled, lesson, role):
    assert all(rows == [] for rows in _lists(world, role).values())
    viewer = world.principal(role)
    for get, pk in (
        (selectors.assessment_get, scaled["assessment"].pk),
        (selectors.obstacle_get, scaled["overdue"].pk),
        (selectors.plan_get, scaled["plan"].pk),
        (selectors.sandbox_get, scaled["sandbox"].pk),
    ):
        with pytest.raises(Http404):
            get(viewer=viewer, pk=pk)


@pytest.mark.parametrize("role", ["evaluator", "auditor", "official"])
def test_reading_a_row_does_not_make_it_editable(world, scaled, role):
    viewer = world.principal(role)
    assert selectors.plan_get(viewer=viewer, pk=scaled["plan"].pk)
    with pytest.raises(Http404):
        selectors.plan_get(viewer=viewer, pk=scaled["plan"].pk, ability=Ability.EDIT_SCALING)
    with pytest.raises(Http404):
        selectors.sandbox_get(viewer=viewer, pk=scaled["sandbox"].pk, ability=Ability.EDIT_SCALING)


def test_replications_are_scoped_like_their_problem(world, scaled):
    services.replication_record(
        actor=world.principal("staff"),
        original=scaled["effect"],
        site="Town",
        independent=True,
        completed_on=scaled["problem"].created_at.date(),
        estimate=-5.0,
        std_error=1.0,
        design="rct",
    )
    assert len(selectors.replication_list(viewer=world.principal("official"))) == 1
    assert list(selectors.replication_list(viewer=world.principal("outsider"))) == []


def test_closed_problems_are_the_viewers_own_with_their_lesson_counts(world, lesson):
    mine = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, stage="closed_solved", title="Old"
    )
    ProblemFactory.create(unit=world.other_unit, stage="closed_solved", title="Old elsewhere")
    services.lesson_record(
        actor=world.principal("staff"),
        unit=world.unit,
        problem=mine,
        title="Stop early",
        what_we_learnt="It did not work.",
        outcome="failure",
    )
    closed = selectors.closed_problem_list(viewer=world.principal("staff"))
    assert [(c.title, c.n_lessons) for c in closed] == [("Old", 1)]
    assert selectors.closed_problem_list(viewer=world.principal("staff"), query="nothing") == []
    assert selectors.closed_problem_list(viewer=world.principal("vendor")) == []


def test_the_public_registry_shows_only_published_agreed_sandboxes_to_anyone(world, scaled):
    services.sandbox_apply(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Only applied",
        public_summary="s",
        regulator="r",
    )
    assert [s.pk for s in selectors.sandbox_public_list()] == [scaled["sandbox"].pk]
    with pytest.raises(Http404):
        selectors.sandbox_public_get(slug="only-applied")


def test_the_archive_shows_the_most_recent_closed_problems_and_says_when_there_are_more(
    world, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from civicloop.portfolio.models import Problem

    now = timezone.now()
    for i in range(4):
        p = ProblemFactory.create(unit=world.unit, stage="closed_abandoned", title=f"Closed {i}")
        Problem.objects.filter(pk=p.pk).update(updated_at=now - timedelta(days=10 - i))
    shown = selectors.closed_problem_list(viewer=world.principal("staff"), limit=3)
    assert [c.title for c in shown] == ["Closed 3", "Closed 2", "Closed 1"]
    # a search still reaches the oldest one
    [old] = selectors.closed_problem_list(viewer=world.principal("staff"), query="Closed 0")
    assert old.title == "Closed 0"
    monkeypatch.setattr("civicloop.scaling.selectors.ARCHIVE_SHOWN", 3)
    page = world.client("staff").get("/scaling/lessons/").content.decode()
    assert "Showing the 3 most recent. Search to find older ones." in page
    assert "Closed 3" in page and "Closed 0" not in page
