"""Scaling's obstacle register and lessons page 50 at a time, at a cost that does not grow."""

import re

from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling.models import Lesson, Obstacle
from civicloop.web.tests.paging import page_queries


def _problem(world, unit=None, agency=None):
    return ProblemFactory.create(
        unit=unit or world.unit, owner_agency=agency or world.agency, stage="scaling"
    )


def _obstacles(problem, n, start=0, kind="regulation", severity=3):
    Obstacle.objects.bulk_create(
        Obstacle(
            unit=problem.unit,
            problem=problem,
            kind=kind,
            title=f"Obstacle {i:03d}",
            severity=severity,
            likelihood=3,
        )
        for i in range(start, start + n)
    )


def _lessons(problem, n, start=0, outcome="success"):
    Lesson.objects.bulk_create(
        Lesson(
            unit=problem.unit,
            problem=problem,
            title=f"Lesson {i:03d}",
            what_we_learnt="Ask first.",
            outcome=outcome,
        )
        for i in range(start, start + n)
    )


def test_obstacles_query_count_does_not_grow_with_the_data(world):
    client = world.client("staff")
    problem = _problem(world)
    _obstacles(problem, 51)
    small, html = page_queries(client, "/scaling/obstacles/")
    assert len(re.findall(r">Obstacle \d{3}<", html)) == 50
    assert "Page 1 of 2, 1 to 50 of 51" in html
    _obstacles(problem, 102, start=51)
    large, html = page_queries(client, "/scaling/obstacles/")
    assert large == small
    assert "Page 1 of 4, 1 to 50 of 153" in html
    last, html = page_queries(client, "/scaling/obstacles/?page=4")
    assert last == small and len(re.findall(r">Obstacle \d{3}<", html)) == 3


def test_obstacles_page_two_keeps_the_filter_and_the_whole_heat_map(world):
    problem = _problem(world)
    _obstacles(problem, 60)
    _obstacles(problem, 4, start=500, kind="budget", severity=5)
    _obstacles(_problem(world, world.other_unit, world.other_unit_agency), 3, start=900)
    client = world.client("staff")
    html = client.get("/scaling/obstacles/?kind=regulation&page=2").content.decode()
    shown = re.findall(r">Obstacle (\d{3})<", html)
    assert len(shown) == 10 and all(int(n) < 60 for n in shown)
    first = client.get("/scaling/obstacles/?kind=regulation").content.decode()
    assert not set(shown) & set(re.findall(r">Obstacle (\d{3})<", first))
    assert 'href="?kind=regulation&amp;page=1"' in html and "Page 2 of 2" in html
    # The heat map still counts all 60 matching obstacles, not the page's 10.
    assert '"severity": 3, "likelihood": 3, "count": 60' in html.replace("&#34;", '"')


def test_lessons_query_count_does_not_grow_with_the_data(world):
    client = world.client("staff")
    problem = _problem(world)
    _lessons(problem, 51)
    small, html = page_queries(client, "/scaling/lessons/")
    assert "51 lessons" in html and "Page 1 of 2, 1 to 50 of 51" in html
    _lessons(problem, 102, start=51)
    large, html = page_queries(client, "/scaling/lessons/")
    assert large == small
    assert "153 lessons" in html and "Page 1 of 4" in html


def test_lessons_page_two_keeps_the_filter_and_hides_another_units(world):
    problem = _problem(world)
    _lessons(problem, 60, outcome="failure")
    _lessons(problem, 5, start=500, outcome="success")
    _lessons(_problem(world, world.other_unit, world.other_unit_agency), 3, start=900)
    html = world.client("staff").get("/scaling/lessons/?outcome=failure&page=2").content.decode()
    assert re.findall(r">Lesson (\d{3}) <", html) == [f"{i:03d}" for i in range(9, -1, -1)]
    assert "60 lessons" in html and 'href="?outcome=failure&amp;page=1"' in html
    assert "Lesson 5" not in html and "Lesson 9" not in html
