"""API input holding U+0000 is refused naming the field (PostgreSQL text cannot store it)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from civicloop.portfolio.models import Problem
from civicloop.portfolio.tests.test_api import problem_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.api_key(scope='write')}"
    return client


def test_a_body_with_nul_is_refused_naming_each_field_and_nothing_is_stored(world, api):
    body = problem_body(world, title="Missed\x00appointments", tags=["ok", "h\x00"])
    response = api.post("/api/v1/problems", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["title", "tags"]
    assert "must not contain the NUL character" in response.json()["detail"]
    assert not Problem.objects.exists()


def test_a_query_parameter_with_nul_is_refused_naming_it(api):
    response = api.get("/api/v1/problems?tag=a%00b")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["tag"]


def test_an_escaped_backslash_is_not_a_nul(world, api):
    body = problem_body(world, title=r"Path C:\u0000 is text, not a NUL")
    response = api.post("/api/v1/problems", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Problem.objects.get().title == r"Path C:\u0000 is text, not a NUL"


def test_events_keep_their_own_per_event_rules(world, settings, tmp_path, api):
    from civicloop.analytics import services

    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    try:
        event = {
            "event_id": str(uuid.uuid4()),
            "unit_id": "a\x00b",
            "name": "visit",
            "timestamp": "2026-01-01T00:00:00Z",
        }
        response = api.post(
            "/api/v1/events", data=json.dumps([event]), content_type="application/json"
        )
        assert response.status_code == 202
        assert response.json()["accepted"] == 1
    finally:
        services.event_store_close()


def test_an_unknown_property_is_ignored_even_with_nul(world, api):
    body = problem_body(world, **{"note\x00": {"x": "y\x00"}})
    response = api.post("/api/v1/problems", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_openapi_description_states_the_rule(client):
    schema = client.get("/api/v1/openapi.json").json()
    title = schema["components"]["schemas"]["ProblemIn"]["properties"]["title"]
    assert title["pattern"] == "^[^\\u0000]*$"


def test_any_rfc3339_offset_is_stored_as_utc():
    """PostgreSQL refuses offsets beyond 15:59; RFC 3339 allows up to 23:59."""
    from civicloop.core.http import InputSchema

    class Body(InputSchema):
        at: datetime

    parsed = Body.model_validate({"at": "2026-03-01T10:00:00-16:16"})
    assert parsed.at == datetime(2026, 3, 2, 2, 16, tzinfo=UTC)
    assert parsed.at.utcoffset() == timedelta(0)
