"""Every API operation, driven by Schemathesis from the published OpenAPI description.

Whatever a client sends — inside the schema or outside it, to objects that exist or not — the
API answers without a server error, and every error is RFC 9457 problem+json.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from civicloop.core.tests.api_schema import drive

pytestmark = pytest.mark.django_db


@functools.cache
def _schema() -> Any:
    """The published OpenAPI description, built on first use (not when the module is imported)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


# Every operation, by path and method; the sweep below covers each one.
@functools.cache
def _operations() -> list[tuple[str, str]]:
    found = []
    for result in _schema().get_all_operations():
        assert isinstance(result, Ok), result  # the published schema itself must be valid
        found.append((result.ok().path, result.ok().method.upper()))
    return sorted(found)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"path", "method"} <= set(metafunc.fixturenames):
        operations = _operations()
        metafunc.parametrize(
            ("path", "method"), operations, ids=[f"{m} {p}" for p, m in operations]
        )


def test_the_sweep_covers_the_whole_api():
    assert len(_operations()) > 50
    assert ("/api/v1/events", "POST") in _operations()


@pytest.mark.slow  # about 2 s per operation, up to 20 s for the events intake
def test_operation_never_fails_on_the_server(world, settings_store, wsgi_app, path, method):
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    drive(_schema(), path, method, mode=GenerationMode.POSITIVE, headers=auth, max_examples=6)
    try:
        drive(_schema(), path, method, mode=GenerationMode.NEGATIVE, headers=auth, max_examples=6)
    except Unsatisfiable:
        pass  # every input is inside the schema (e.g. one free-text path parameter)


@pytest.fixture
def settings_store(settings, tmp_path):
    from civicloop.analytics import services

    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    yield
    services.event_store_close()


def test_every_operation_documents_its_errors_as_problem_json(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "422"):
                content = operation["responses"][code]["content"]
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }, (method, path, code)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/scaling/obstacles?problem_id=9223372036854775808",
        "/api/v1/market/challenges?offset=782129705588030066130944",
    ],
)
def test_out_of_range_numbers_are_refused_naming_the_parameter(world, url):
    response = world.client("staff").get(url)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    name = url.split("?")[1].split("=")[0]
    assert name in response.content.decode()
