"""The feedback API: submissions with an API key, clear problem+json errors, scoped reads."""

from __future__ import annotations

import pytest

from civicloop.feedback import services
from civicloop.feedback.models import Response


def _post(client, key, body, **extra):
    return client.post(
        "/api/v1/feedback",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **extra,
    )


@pytest.mark.django_db
def test_kiosk_submission_is_tagged_and_duplicates_are_idempotent(world, survey, client):
    key = world.api_key()
    body = {
        "survey_id": survey.pk,
        "answers": {"satisfaction": 4, "nps": 9, "age_band": "65_plus"},
        "channel": "api",
        "variant": "B",
        "iteration_key": "it-2",
        "respondent_id": "k-1",
    }
    first = _post(client, key, body)
    assert first.status_code == 201, first.content
    again = _post(client, key, body)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    stored = Response.objects.get()
    assert (stored.variant, stored.iteration_key, stored.profile["age_band"]) == (
        "B",
        "it-2",
        "65_plus",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "field", "phrase"),
    [
        ({"satisfaction": 7}, "answers.satisfaction", "from 1 to 5"),
        ({"satisfaction": 3, "colour": "blue"}, "answers.colour", "no such question"),
        ({"satisfaction": 3, "age_band": "teen"}, "answers.age_band", "Choose one of"),
        ({"satisfaction": 3, "comment": "x" * 2001}, "answers.comment", "2000 characters"),
        ({"nps": 5}, "answers.satisfaction", "Answer this question"),
    ],
)
def test_malformed_answers_are_rejected_naming_the_field(
    world, survey, client, answers, field, phrase
):
    response = _post(client, world.api_key(), {"survey_id": survey.pk, "answers": answers})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"] == field and phrase in e["message"] for e in errors), errors
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_schema_errors_and_oversized_bodies_are_problem_json(world, survey, client):
    key = world.api_key()
    missing = _post(client, key, {"answers": {"satisfaction": 3}})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "survey_id"
    bad_language = _post(client, key, {"survey_id": survey.pk, "answers": {}, "language": "fr"})
    assert bad_language.json()["errors"][0]["field"] == "language"
    huge = _post(
        client,
        key,
        {"survey_id": survey.pk, "answers": {"comment": "y" * 40_000, "satisfaction": 3}},
    )
    assert huge.status_code == 413
    assert huge["Content-Type"] == "application/problem+json"
    assert "body" in huge.json()["detail"]
    not_json = client.post(
        "/api/v1/feedback", "{", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert not_json.status_code in (400, 422)
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_submission_needs_a_write_key_of_the_surveys_unit(world, survey, client):
    body = {"survey_id": survey.pk, "answers": {"satisfaction": 3}}
    assert client.post("/api/v1/feedback", body, content_type="application/json").status_code == 401
    assert _post(client, world.api_key(scope="read"), body).status_code == 403
    other = _post(client, world.api_key(org=world.other_unit), body)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "survey_id"
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_scores_and_themes_endpoints_are_scoped(world, survey, client):
    for i, value in enumerate([5, 4, 4, 2, 1]):
        services.response_submit(
            survey=survey,
            answers={"satisfaction": value, "nps": 10 - i},
            channel="api",
            variant="AB"[i % 2],
            client=str(i),
        )
    key = world.api_key(scope="read")
    listed = client.get("/api/v1/surveys", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [s["id"] for s in listed["items"]] == [survey.pk]
    scores = client.get(
        f"/api/v1/surveys/{survey.pk}/scores?by=variant", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    govuk_a = next(s for s in scores["groups"]["A"] if s["key"] == "govuk")
    assert govuk_a["n"] == 3
    assert govuk_a["value"] == pytest.approx(200 / 3)  # 5, 4, 1 -> two satisfied
    themes = client.get(f"/api/v1/surveys/{survey.pk}/themes", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert themes.status_code == 200
    outsider = world.api_key(scope="read", org=world.other_unit)
    assert (
        client.get(
            f"/api/v1/surveys/{survey.pk}/scores", HTTP_AUTHORIZATION=f"Bearer {outsider}"
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/surveys", HTTP_AUTHORIZATION=f"Bearer {outsider}").json()["items"] == []
    )
