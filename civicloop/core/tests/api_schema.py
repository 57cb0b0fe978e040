"""Drive one API operation with Schemathesis from the published OpenAPI description.

Shared by the whole-API sweep (test_api_fuzz.py) and the per-operation contract tests of the
apps. Every response must not be a server error, must use a documented status code and
content type, and every error must be RFC 9457 problem+json.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

BASE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def drive(
    schema: Any,
    path: str,
    method: str,
    *,
    mode: GenerationMode,
    headers: dict[str, str],
    path_parameters: dict[str, Any] | None = None,
    checks: Sequence[Callable[..., Any]] = (),
    max_examples: int = 25,
    keep: Callable[[Any, Any], bool] | None = None,
) -> set[int]:
    """Run generated cases of ``method path``; return the status codes seen.

    ``keep(case, response)`` may return False to leave a response out of the returned set
    (after it passed every check), e.g. a negative case that hit the real object by chance.
    """
    operation = schema[path][method]
    statuses: set[int] = set()

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=[*BASE_CHECKS, *checks])
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json"), (
                case.as_curl_command(),
                response.status_code,
            )
        if keep is None or keep(case, response):
            statuses.add(response.status_code)

    call()
    return statuses
