"""`GET /api/v1/surveys/{id}/scores` gives the survey page's post-stratified figures too.

The reference numbers are test_weighted's: weights by hand, estimates by statsmodels.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from civicloop.feedback import selectors, services
from civicloop.feedback.tests.test_weighted import (  # noqa: F401
    _reference,
    weighted_survey,
)
from civicloop.portfolio.tests.factories import ProblemFactory, TargetGroupFactory

pytestmark = pytest.mark.django_db


def _strict(response) -> dict:
    """The body as strict JSON: NaN or Infinity would break most clients' parsers."""

    def refuse(constant: str):
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(response.content, parse_constant=refuse)


def _get(client: Client, survey, query: str = "", headers: dict[str, str] | None = None):
    return client.get(f"/api/v1/surveys/{survey.pk}/scores{query}", headers=headers)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_weighted_figures_match_the_reference_and_sit_beside_the_unweighted(
    world,
    weighted_survey,  # noqa: F811
):
    response = _get(Client(), weighted_survey, headers=_bearer(world.api_key(scope="read")))
    assert response.status_code == 200
    body = _strict(response)
    [target] = body["weighted"]
    assert (target["target_group"], target["dimension"]) == ("Residents", "age_band")
    assert target["empty_groups"] == ["65_plus"] and target["left_out"] == 4
    assert target["shares"] == pytest.approx(
        {"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2}
    )
    reference = _reference()
    assert {s["key"] for s in target["scores"]} == set(reference)
    for score in target["scores"]:
        value, low, high, n, n_eff = reference[score["key"]]
        assert score["value"] == pytest.approx(value)
        assert (score["ci_low"], score["ci_high"]) == (pytest.approx(low), pytest.approx(high))
        assert (score["n"], score["n_eff"]) == (n, pytest.approx(n_eff))
        assert score["empty_groups"] == ["65_plus"] and score["left_out"] == 4
        assert score["covered_share"] == pytest.approx(0.8)
        # The unweighted twin is the overall score of `groups`, everyone who answered.
        assert score["unweighted"]["n"] == 99
        assert score["unweighted"] in body["groups"]["all"]
    r = target["representativeness"]
    weights = {c["category"]: c["weight"] for c in r["categories"]}
    assert weights["65_plus"] is None
    assert weights["under_25"] == pytest.approx(0.25 / (30 / 95))
    assert weights["45_64"] == pytest.approx(0.3125 / (15 / 95))
    assert "65_plus" in r["under_represented"] and r["n"] == 95


def test_existing_keys_are_unchanged_and_weighted_ignores_by(world, weighted_survey):  # noqa: F811
    client = world.client("staff")
    overall = _strict(_get(client, weighted_survey))
    by_channel = _strict(_get(client, weighted_survey, "?by=channel"))
    assert set(overall) == {"survey_id", "by", "groups", "weighted"}
    expected = {
        g: [s.to_dict() for s in scores]
        for g, scores in selectors.survey_scores(survey=weighted_survey).items()
    }
    assert overall["groups"] == expected and overall["by"] is None
    assert set(by_channel["groups"]) == {"api"} and by_channel["by"] == "channel"
    assert by_channel["weighted"] == overall["weighted"]


def test_a_survey_without_target_groups_has_no_weighted_figures(world, survey, client):
    services.response_submit(survey=survey, answers={"satisfaction": 4}, channel="api", client="1")
    body = _strict(_get(world.client("staff"), survey))
    assert body["weighted"] == []
    assert body["groups"]["all"]


def test_a_single_weighted_respondent_gives_nulls_not_nan(world):
    staff = world.principal("staff")
    group = TargetGroupFactory.create(unit=world.unit, name="Residents")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    services.profile_target_set(
        actor=staff,
        target_group=group,
        dimension="age_band",
        shares={"under_25": 0.5, "25_44": 0.5},
        source="Register",
        as_of=date(2026, 1, 1),
    )
    survey = services.survey_create(
        actor=staff,
        unit=world.unit,
        title="One",
        templates=["govuk", "age"],
        consent="ok",
        problem=problem,
    )
    services.response_submit(
        survey=survey, answers={"satisfaction": 5, "age_band": "under_25"}, channel="api"
    )
    [target] = _strict(_get(world.client("staff"), survey))["weighted"]
    [score] = [s for s in target["scores"] if s["key"] == "govuk"]
    assert score["value"] == pytest.approx(100.0) and score["n"] == 1
    assert target["empty_groups"] == ["25_44"]


@pytest.mark.parametrize("role", ["other_official", "vendor", "outsider"])
def test_readers_outside_the_surveys_scope_get_404(world, weighted_survey, role):  # noqa: F811
    response = _get(world.client(role), weighted_survey)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_another_units_key_and_an_unknown_survey_get_the_same_404(world, weighted_survey):  # noqa: F811
    other = _get(Client(), weighted_survey, headers=_bearer(world.api_key(org=world.other_unit)))
    unknown = Client().get(
        f"/api/v1/surveys/{weighted_survey.pk + 1000}/scores", headers=_bearer(world.api_key())
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]


@pytest.mark.parametrize("role", ["staff", "auditor", "evaluator", "official"])
def test_every_reader_of_the_survey_page_gets_the_weighted_figures(world, weighted_survey, role):  # noqa: F811
    assert world.client(role).get(f"/feedback/{weighted_survey.pk}/").status_code == 200
    response = _get(world.client(role), weighted_survey)
    assert response.status_code == 200
    assert len(response.json()["weighted"]) == 1


def test_read_only_key_reads_but_cannot_write_the_path(world, weighted_survey):  # noqa: F811
    read = _bearer(world.api_key(scope="read"))
    assert _get(Client(), weighted_survey, headers=read).status_code == 200
    # A read is all the operation does: there is nothing here to write.
    assert (
        Client().post(f"/api/v1/surveys/{weighted_survey.pk}/scores", headers=read).status_code
        == 405
    )


def test_unknown_grouping_is_refused_naming_by(world, weighted_survey):  # noqa: F811
    response = _get(world.client("staff"), weighted_survey, "?by=weekday")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["by"]


def test_weighted_figures_are_documented_in_the_openapi_schema(world):
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/surveys/{survey_id}/scores"]["get"]
    assert "post-stratified" in operation["summary"]
    for phrase in ("`weighted`", "Kish", "`empty_groups`", "404", "422"):
        assert phrase in operation["description"]
    schemas = spec["components"]["schemas"]
    scores = schemas["ScoresOut"]
    assert {"survey_id", "by", "groups", "weighted"} <= set(scores["required"])
    assert {"n_eff", "left_out", "unweighted"} <= set(schemas["WeightedScoreOut"]["properties"])
