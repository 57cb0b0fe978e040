"""Oversized request bodies are refused from the declared length, before Django reads them."""

import pytest


@pytest.fixture
def small_limit(settings):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "MAX_REQUEST_BYTES": 1024}


@pytest.mark.django_db
def test_body_over_the_limit_answers_413_problem_json(client, small_limit):
    response = client.post("/api/v1/events", data=b"x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 413
    assert "2048 bytes" in body["detail"]


@pytest.mark.django_db
def test_body_within_the_limit_reaches_the_view(client, small_limit):
    response = client.post("/api/v1/events", data=b"[]", content_type="application/json")
    assert response.status_code != 413  # unauthenticated: the view answers, not the limit
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_default_limit_leaves_room_for_the_largest_upload(settings):
    assert settings.CIVICLOOP["MAX_REQUEST_BYTES"] > 10 * 1024 * 1024
