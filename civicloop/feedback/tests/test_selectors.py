"""Feedback reads are scoped by the viewer: another unit's surveys, respondents, services and
KPIs do not exist for them, and an agency official sees only what their agency owns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from civicloop.core.permissions import Ability
from civicloop.feedback import selectors, services
from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory


def _survey(world, title: str, *, unit=None, problem=None, service_key: str = ""):
    unit = unit or world.unit
    actor = world.principal("staff" if unit == world.unit else "outsider")
    return services.survey_create(
        actor=actor,
        unit=unit,
        title=title,
        templates=["csat", "comment"],
        consent="Anonymous.",
        problem=problem,
        service_key=service_key,
    )


@pytest.mark.django_db
def test_survey_list_and_get_show_only_the_viewers_unit(world):
    ours = _survey(world, "Ours", service_key="ours-service")
    theirs = _survey(world, "Theirs", unit=world.other_unit, service_key="their-service")
    staff, outsider = world.principal("staff"), world.principal("outsider")
    assert [s.pk for s in selectors.survey_list(viewer=staff)] == [ours.pk]
    assert [s.pk for s in selectors.survey_list(viewer=outsider)] == [theirs.pk]
    assert selectors.survey_get(viewer=staff, pk=ours.pk) == ours
    with pytest.raises(Http404):
        selectors.survey_get(viewer=staff, pk=theirs.pk)
    assert selectors.service_keys(viewer=staff) == ["ours-service"]
    assert selectors.service_keys(viewer=world.principal("vendor")) == []


@pytest.mark.django_db
def test_readers_cannot_get_a_survey_to_manage_it(world):
    survey = _survey(world, "Ours")
    auditor = world.principal("auditor")
    assert selectors.survey_get(viewer=auditor, pk=survey.pk) == survey
    with pytest.raises(Http404):
        selectors.survey_get(viewer=auditor, pk=survey.pk, ability=Ability.MANAGE_FEEDBACK)


@pytest.mark.django_db
def test_an_agency_official_reads_only_their_agencys_surveys(world):
    own = _survey(
        world, "Own", problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    other = _survey(
        world,
        "Other",
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.other_agency),
    )
    official = world.principal("official")
    assert [s.pk for s in selectors.survey_list(viewer=official)] == [own.pk]
    with pytest.raises(Http404):
        selectors.survey_get(viewer=official, pk=other.pk)


@pytest.mark.django_db
def test_only_collectors_of_the_unit_get_a_survey_to_submit_to(world):
    survey = _survey(world, "Ours")
    assert selectors.survey_for_collection(viewer=world.principal("staff"), pk=survey.pk) == survey
    for role in ("outsider", "auditor", "official", "vendor"):
        assert selectors.survey_for_collection(viewer=world.principal(role), pk=survey.pk) is None


@pytest.mark.django_db
def test_respondent_counts_cover_only_the_viewers_units(world):
    ours = _survey(world, "Ours")
    theirs = _survey(world, "Theirs", unit=world.other_unit)
    for survey in (ours, theirs):
        services.response_submit(
            survey=survey, answers={"csat": 4}, channel="api", respondent_id="r-1"
        )
    found = selectors.respondent_responses(viewer=world.principal("staff"), respondent_id="r-1")
    assert [(s.pk, n) for s, n in found.surveys] == [(ours.pk, 1)]
    nothing = selectors.respondent_responses(viewer=world.principal("auditor"), respondent_id="r-1")
    assert nothing.total == 0


@pytest.mark.django_db
def test_feedable_kpis_and_problem_choices_stay_in_the_unit(world):
    survey = _survey(world, "Ours")
    ours = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency),
        template_key="user_satisfaction",
    )
    KpiFactory.create(
        problem=ProblemFactory.create(unit=world.other_unit, owner_agency=world.other_unit_agency),
        template_key="user_satisfaction",
    )
    assert list(selectors.feedable_kpis(viewer=world.principal("staff"), survey=survey)) == [ours]
    assert not selectors.feedable_kpis(viewer=world.principal("outsider"), survey=survey).exists()
    staff = world.principal("staff")
    assert list(selectors.survey_problem_choices(viewer=staff, unit=world.unit)) == [ours.problem]
    assert not selectors.survey_problem_choices(viewer=staff, unit=world.other_unit).exists()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/feedback/").status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_survey_list_page_costs_the_same_queries_for_2_or_8_surveys(
    world, django_assert_max_num_queries
):
    client = world.client("staff")
    for i in range(2):
        _survey(world, f"Survey {i}", service_key=f"service-{i}")
    _home_queries(client)  # the first request of a session also loads what it caches
    few = _home_queries(client)
    for i in range(2, 8):
        _survey(world, f"Survey {i}", service_key=f"service-{i}")
    assert _home_queries(client) == few
    # session and person, the page's count and rows, their stored figures and questions, the
    # service keys: none of them per survey
    with django_assert_max_num_queries(9):
        client.get("/feedback/")


def test_survey_list_counts_each_surveys_own_responses_and_zero_for_none(world, survey):
    empty = _survey(world, "No answers yet")
    for i in range(3):
        services.response_submit(
            survey=survey, answers={"satisfaction": 4}, channel="api", client=str(i)
        )
    surveys = selectors.survey_list(viewer=world.principal("staff"))
    counts = {s.pk: s.n_responses for s in surveys}  # type: ignore[attr-defined]
    assert counts == {survey.pk: survey.responses.count(), empty.pk: 0}
    assert counts[survey.pk] == 3
