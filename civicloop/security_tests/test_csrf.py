"""F4: a forged cross-site request cannot write through the API with a victim's session.

Every unsafe operation of the published OpenAPI document (POST, PUT, PATCH, DELETE), called with
a signed-in browser session, needs Django's CSRF token in ``X-CSRFToken`` whatever the body's
content type (``text/plain`` is what a cross-site HTML form can send), and under HTTPS an Origin
of this site. API keys (``Authorization: Bearer``) need no token; safe methods are unaffected.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Count, Max
from django.test import Client

from civicloop.api import api as civicloop_api
from civicloop.portfolio.models import Problem
from civicloop.portfolio.tests.factories import ProblemFactory

UNSAFE = ("post", "put", "patch", "delete")
CSRF_TITLE = "CSRF check failed"


@functools.cache
def _unsafe_operations() -> list[tuple[str, str]]:
    schema = civicloop_api.get_openapi_schema()
    return sorted(
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in UNSAFE
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every unsafe operation, read from the OpenAPI document when the tests are collected
    (not when the module is imported)."""
    if {"path", "method"} <= set(metafunc.fixturenames):
        operations = _unsafe_operations()
        ids = [f"{method} {path}" for path, method in operations]
        metafunc.parametrize(("path", "method"), operations, ids=ids)


def _url(path: str, object_id: int) -> str:
    """The operation's URL with every path parameter set to an object that exists."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            part = "x" if part[1:-1] in {"key", "slug", "code"} else str(object_id)
        parts.append(part)
    return "/".join(parts)


def _fingerprint() -> list[tuple[str, Any, Any]]:
    """Row count and latest change of every table: equal before and after means no write."""
    rows = []
    for model in apps.get_models():
        if model._meta.label in {"sessions.Session"}:
            continue
        fields = {f.name for f in model._meta.concrete_fields}
        aggregates: dict[str, Any] = {"n": Count("pk")}
        if "updated_at" in fields:
            aggregates["changed"] = Max("updated_at")
        values = model._default_manager.aggregate(**aggregates)
        rows.append((model._meta.label, values["n"], values.get("changed")))
    return rows


def _session(world, *, secure: bool = False) -> tuple[Client, str]:
    """A browser signed in as unit staff, enforcing CSRF like a real one, and its CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["staff"])
    client.get("/portfolio/", secure=secure)  # a page with a form sets the CSRF cookie
    return client, client.cookies["csrftoken"].value


def _is_csrf_refusal(response) -> bool:
    return (
        response.status_code == 403
        and response["Content-Type"].startswith("application/problem+json")
        and response.json()["title"] == CSRF_TITLE
    )


@pytest.fixture
def problem(world):
    return ProblemFactory.create(unit=world.unit, owner_agency=world.agency)


def test_the_sweep_covers_every_unsafe_method():
    methods = {method for _, method in _unsafe_operations()}
    assert {"POST", "PUT", "PATCH"} <= methods
    assert len(_unsafe_operations()) > 40
    assert ("/api/v1/problems", "POST") in _unsafe_operations()


def test_session_without_token_is_refused_and_nothing_changes(world, problem, path, method):
    client, _token = _session(world)
    url = _url(path, problem.pk)
    before = _fingerprint()
    for content_type, body in (
        ("application/json", json.dumps({"title": "forged"})),
        ("text/plain", json.dumps({"title": "forged"})),
        ("application/x-www-form-urlencoded", "title=forged"),
    ):
        response = client.generic(method, url, body, content_type=content_type)
        assert _is_csrf_refusal(response), (content_type, response.status_code, response.content)
        assert "CSRF token missing or incorrect" in response.json()["detail"]
    wrong = client.generic(
        method, url, "{}", content_type="application/json", HTTP_X_CSRFTOKEN="x" * 64
    )
    assert _is_csrf_refusal(wrong), wrong.content
    assert _fingerprint() == before


def test_session_with_token_is_not_refused_for_csrf(world, problem, path, method):
    client, token = _session(world)
    response = client.generic(
        method,
        _url(path, problem.pk),
        "{}",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code != 401, response.content  # the session did authenticate
    assert not _is_csrf_refusal(response), response.content


def test_api_key_needs_no_token(world, problem, path, method):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    response = client.generic(method, _url(path, problem.pk), "{}", content_type="application/json")
    assert response.status_code != 401, response.content
    assert not _is_csrf_refusal(response), response.content


def test_foreign_origin_under_https_is_refused_even_with_the_token(world, problem, path, method):
    client, token = _session(world, secure=True)
    response = client.generic(
        method,
        _url(path, problem.pk),
        "{}",
        content_type="application/json",
        secure=True,
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert _is_csrf_refusal(response), response.content
    assert "Origin checking failed" in response.json()["detail"]


def test_a_forged_text_plain_form_creates_no_problem(world):
    """The reviewer's browser reproduction: an auto-submitted enctype="text/plain" form."""
    client, token = _session(world)
    body = {
        "title": "Forged",
        "statement": "People over 75 miss one in five.",
        "facet": "adaptive",
        "owner_agency_id": world.agency.pk,
    }
    forged = client.post("/api/v1/problems", json.dumps(body), content_type="text/plain")
    assert _is_csrf_refusal(forged)
    assert not Problem.objects.filter(title="Forged").exists()
    # The same write from the site itself (token sent, as the docs' explorer does) works.
    ok = client.post(
        "/api/v1/problems",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert ok.status_code == 201, ok.content
    assert Problem.objects.filter(title="Forged").exists()


def test_patch_with_session_needs_the_token(world, problem):
    client, token = _session(world)
    url = f"/api/v1/problems/{problem.pk}"
    refused = client.patch(url, json.dumps({"title": "Renamed"}), content_type="application/json")
    assert _is_csrf_refusal(refused)
    problem.refresh_from_db()
    assert problem.title != "Renamed"
    ok = client.patch(
        url,
        json.dumps({"title": "Renamed"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert ok.status_code == 200, ok.content
    problem.refresh_from_db()
    assert problem.title == "Renamed"


def test_same_origin_under_https_with_the_token_is_accepted(world):
    client, token = _session(world, secure=True)
    body = {
        "title": "Same site",
        "statement": "People over 75 miss one in five.",
        "facet": "adaptive",
        "owner_agency_id": world.agency.pk,
    }
    response = client.post(
        "/api/v1/problems",
        json.dumps(body),
        content_type="application/json",
        secure=True,
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://testserver",
    )
    assert response.status_code == 201, response.content


def test_safe_methods_need_no_token(world, problem):
    client, _token = _session(world)
    assert client.get("/api/v1/problems").status_code == 200
    assert client.get(f"/api/v1/problems/{problem.pk}").status_code == 200


def test_anonymous_unsafe_call_is_401_not_a_csrf_refusal(db):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/problems", "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_the_api_explorer_sends_the_token(world):
    """The site's own caller of the API with a session: the OpenAPI explorer at /api/v1/docs."""
    client, _token = _session(world)
    page = client.get("/api/v1/docs").content.decode()
    assert 'data-api-csrf="true"' in page
    assert 'data-csrf-token=""' not in page
