import json

import pytest
from django.test import Client

from civicloop.portfolio.models import Kpi, Problem
from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory


@pytest.fixture
def api(world):
    client = Client()
    key = world.api_key(scope="write")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def problem_body(world, **overrides):
    body = {
        "title": "Missed appointments",
        "statement": "People over 75 miss one in five.",
        "facet": "adaptive",
        "owner_agency_id": world.agency.pk,
        "tags": ["health"],
    }
    body.update(overrides)
    return body


def test_create_and_read_a_problem_through_the_api(world, api):
    response = post(api, "/api/v1/problems", problem_body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["stage"] == "identified"
    assert data["tags"] == ["health"]
    assert data["owner_agency"] == "Housing Agency"
    listing = api.get("/api/v1/problems").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == data["id"]


def errors_of(response):
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["title"] == "Invalid request"
    return {e["field"]: e["message"] for e in body["errors"]}


def test_missing_fields_are_named(world, api):
    errors = errors_of(post(api, "/api/v1/problems", {"facet": "adaptive"}))
    assert {"title", "statement", "owner_agency_id"} <= set(errors)
    assert errors["title"] == "Field required"


def test_wrong_types_are_named(world, api):
    errors = errors_of(
        post(api, "/api/v1/problems", problem_body(world, impact="very", owner_agency_id="x"))
    )
    assert "impact" in errors and "owner_agency_id" in errors


def test_unknown_enum_value_is_named_with_the_choices(world, api):
    errors = errors_of(post(api, "/api/v1/problems", problem_body(world, facet="disruptive")))
    assert "enhancement" in errors["facet"] and "anticipatory" in errors["facet"]


def test_out_of_range_score_is_refused(world, api):
    errors = errors_of(post(api, "/api/v1/problems", problem_body(world, effort=9)))
    assert "less than or equal to 5" in errors["effort"]


def test_agency_of_another_unit_is_refused(world, api):
    errors = errors_of(
        post(
            api, "/api/v1/problems", problem_body(world, owner_agency_id=world.other_unit_agency.pk)
        )
    )
    assert errors["owner_agency_id"] == "No agency with this id works with your unit."
    assert Problem.objects.count() == 0


def test_kpi_target_date_before_baseline(world, api):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    body = {
        "template": "completion_rate",
        "baseline_value": 50,
        "baseline_date": "2026-06-01",
        "baseline_source": "MI",
        "target_value": 70,
        "target_date": "2026-01-01",
    }
    errors = errors_of(post(api, f"/api/v1/problems/{problem.pk}/kpis", body))
    assert errors == {"target_date": "The target date must be after the baseline date."}
    assert Kpi.objects.count() == 0


def test_custom_kpi_needs_its_shape(world, api):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    body = {
        "baseline_value": 50,
        "baseline_date": "2026-01-01",
        "baseline_source": "MI",
        "target_value": 70,
        "target_date": "2026-06-01",
    }
    errors = errors_of(post(api, f"/api/v1/problems/{problem.pk}/kpis", body))
    assert set(errors) == {"name", "category", "unit", "direction"}


def test_bad_dates_and_numbers_in_measurements(world, api):
    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    errors = errors_of(
        post(api, f"/api/v1/kpis/{kpi.pk}/measurements", {"date": "2026-13-01", "value": "x"})
    )
    assert set(errors) == {"date", "value"}


def test_oversized_page_is_refused_with_the_limit(world, api):
    errors = errors_of(api.get("/api/v1/problems?limit=1000"))
    assert "less than or equal to 200" in errors["limit"]


def test_pagination(world, api):
    for _ in range(3):
        ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    page = api.get("/api/v1/problems?limit=2&offset=2").json()
    assert page["count"] == 3 and len(page["items"]) == 1


def test_stage_skip_without_reason_is_explained(world, api):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    errors = errors_of(post(api, f"/api/v1/problems/{problem.pk}/stage", {"to_stage": "scaling"}))
    assert errors == {"rationale": "This move skips a stage gate: write why."}
    ok = post(
        api,
        f"/api/v1/problems/{problem.pk}/stage",
        {"to_stage": "scaling", "rationale": "Proven elsewhere"},
    )
    assert ok.status_code == 200
    assert ok.json()[-1]["skipped_gates"] is True


def test_openapi_describes_the_api_and_docs_are_served_locally(world):
    client = Client()
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "CivicLoop API"
    assert "/api/v1/problems" in spec["paths"]
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/" in docs


def test_anonymous_api_calls_answer_401_problem_json(world):
    response = Client().get("/api/v1/problems")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_stops_working(world):
    from civicloop.core.models import ApiKey
    from civicloop.core.services import apikey_revoke

    key = world.api_key()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/problems").status_code == 200
    apikey_revoke(actor=world.principal("staff"), api_key=ApiKey.objects.get())
    assert client.get("/api/v1/problems").status_code == 401


def test_keys_are_stored_hashed(world):
    from civicloop.core.models import ApiKey

    secret = world.api_key()
    stored = ApiKey.objects.get()
    assert secret not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64


def test_malformed_json_is_a_problem_document(world, api):
    response = api.post("/api/v1/problems", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Cannot parse request body"
    assert Problem.objects.count() == 0
