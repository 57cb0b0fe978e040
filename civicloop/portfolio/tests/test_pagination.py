"""The portfolio list pages 50 problems at a time, at a cost that does not grow with the data."""

import re

from civicloop.portfolio.tests.factories import KpiFactory, MeasurementFactory, ProblemFactory
from civicloop.web.tests.paging import page_queries


def _problems(world, n, **kwargs):
    for _ in range(n):
        problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency, **kwargs)
        MeasurementFactory.create(kpi=KpiFactory.create(problem=problem))


def _rows(html):
    return re.findall(r'<a class="govuk-link" href="/portfolio/(\d+)/">', html)


def test_portfolio_query_count_does_not_grow_with_the_data(world):
    client = world.client("staff")
    _problems(world, 51)
    small, html = page_queries(client, "/portfolio/")
    assert len(_rows(html)) == 50
    assert "51 problems" in html and "Page 1 of 2" in html
    _problems(world, 102)
    large, html = page_queries(client, "/portfolio/")
    assert len(_rows(html)) == 50
    assert "153 problems" in html and "Page 1 of 4" in html
    assert large == small
    last, html = page_queries(client, "/portfolio/?page=4")
    assert last == small
    assert len(_rows(html)) == 3


def test_page_two_continues_the_order_and_keeps_the_filters(world):
    for i in range(60):
        ProblemFactory.create(
            unit=world.unit, owner_agency=world.agency, title=f"Mission {i:03d}", facet="mission"
        )
    ProblemFactory.create(unit=world.unit, owner_agency=world.agency, title="Adaptive 000")
    ProblemFactory.create(
        unit=world.other_unit,
        owner_agency=world.other_unit_agency,
        title="Mission 055 elsewhere",
        facet="mission",
    )
    client = world.client("staff")
    first = client.get("/portfolio/?facet=mission&sort=title").content.decode()
    assert "60 problems" in first and "Page 1 of 2" in first
    assert "Mission 049" in first and "Mission 050" not in first
    assert 'href="?facet=mission&amp;sort=title&amp;page=2"' in first
    second = client.get("/portfolio/?facet=mission&sort=title&page=2").content.decode()
    titles = re.findall(r"Mission \d{3}[^<]*", second)
    assert titles == [f"Mission {i:03d}" for i in range(50, 60)]
    assert "Adaptive 000" not in second and "elsewhere" not in second
    assert 'aria-current="page"' in second and "Page 2 of 2" in second
    assert 'href="?facet=mission&amp;sort=title&amp;page=1"' in second
    assert 'option value="mission" selected' in second


def test_a_page_past_the_end_shows_the_last_page(world):
    _problems(world, 51)
    html = world.client("staff").get("/portfolio/?page=99").content.decode()
    assert "Page 2 of 2" in html and len(_rows(html)) == 1


def test_api_problem_list_loads_only_the_page_it_answers(world, django_assert_max_num_queries):
    _problems(world, 60)
    client = world.client("staff")
    client.get("/api/v1/problems?limit=5")
    first = client.get("/api/v1/problems?limit=50&sort=title").json()
    assert first["count"] == 60 and len(first["items"]) == 50
    rest = client.get("/api/v1/problems?limit=50&offset=50&sort=title").json()
    titles = [p["title"] for p in first["items"] + rest["items"]]
    assert titles == sorted(titles, key=str.lower) and len(set(titles)) == 60
    with django_assert_max_num_queries(12):
        client.get("/api/v1/problems?limit=200&offset=20")
