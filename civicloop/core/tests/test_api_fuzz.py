"""Every API operation, driven by Schemathesis from the published OpenAPI description.

Whatever a client sends — inside the schema or outside it, to objects that exist or not — the
API answers without a server error, and every error is RFC 9457 problem+json.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


# Every operation, by path and method; the sweep below covers each one.
def _operations() -> list[tuple[str, str]]:
    found = []
    for result in SCHEMA.get_all_operations():
        assert isinstance(result, Ok), result  # the published schema itself must be valid
        found.append((result.ok().path, result.ok().method.upper()))
    return sorted(found)


OPERATIONS = _operations()


def test_the_sweep_covers_the_whole_api():
    assert len(OPERATIONS) > 50
    assert ("/api/v1/events", "POST") in OPERATIONS


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_operation_never_fails_on_the_server(world, settings_store, wsgi_app, path, method):
    operation = SCHEMA[path][method]
    auth = {"Authorization": f"Bearer {world.api_key()}"}
    sweep(operation, auth, GenerationMode.POSITIVE)
    try:
        sweep(operation, auth, GenerationMode.NEGATIVE)
    except Unsatisfiable:
        pass  # every input is inside the schema (e.g. one free-text path parameter)


def sweep(operation, auth, mode):
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=6,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        response = case.call(headers=auth)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json"), (
                case.as_curl_command(),
                response.status_code,
                response.headers["content-type"],
            )

    call()


@pytest.fixture
def settings_store(settings, tmp_path):
    from civicloop.analytics import services

    settings.CIVICLOOP = {**settings.CIVICLOOP, "EVENT_STORE_DIR": str(tmp_path / "events")}
    services.event_store_close()
    yield
    services.event_store_close()
