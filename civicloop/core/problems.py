"""Every error of the API answered as application/problem+json (RFC 9457).

`install_problem_handlers(api)` registers one handler per kind of error; `problem_response`
(core/http.py) writes the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from civicloop.core.http import AuthPolicyRefused, MalformedJSON, problem_response


def _field_of(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form", "header")]
    return ".".join(parts) or "body"


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    headers = getattr(exc, "headers", None)
    cause = exc.__cause__
    if isinstance(cause, MalformedJSON):
        return problem_response(request, 400, str(exc.message), str(cause), headers=headers)
    return problem_response(
        request, exc.status_code, str(exc.message), str(exc.message), headers=headers
    )


def _request_refused(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    from civicloop.web import failure  # web's answers for pages and API alike

    # RequestDataTooBig (413), too many fields or files (400), ...
    return failure.request_error_response(request, exc) or problem_response(
        request, 400, "Bad request", "The request was refused as malformed."
    )


def _multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    from civicloop.web import failure  # web's answers for pages and API alike

    # One answer for an unreadable multipart body, pages and API alike (web/failure.py).
    return failure.request_error_response(request, exc) or problem_response(
        request, 400, "Bad request", f"The multipart body cannot be read: {exc}"
    )


def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    return problem_response(request, 400, "Bad request", str(exc) or "Malformed request.")


def _database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    from civicloop.web import failure  # web's answers for pages and API alike

    if failure.database_unavailable(exc):
        return failure.unavailable_response(request)
    raise exc  # a bug, not an outage: Django's 500 handler answers and logs it


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_of(list(e.get("loc", []))),
            "message": e.get("msg", "invalid"),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(request, 422, "Invalid request", detail, errors)


def _domain_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": f, "message": str(m)} for f, msgs in exc.message_dict.items() for m in msgs
        ]
    else:
        errors = [{"field": "body", "message": m} for m in exc.messages]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(request, 422, "Invalid request", detail, errors)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, 404, "Not found", "No such object, or it is not yours to see.")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request,
        401,
        "Authentication required",
        "Send 'Authorization: Bearer <API key>' or sign in.",
        headers={"WWW-Authenticate": 'Bearer realm="civicloop"'},
    )


def _policy(request: HttpRequest, exc: AuthPolicyRefused) -> HttpResponse:
    return problem_response(request, 403, exc.title, str(exc))


def _forbidden(request: HttpRequest, exc: PermissionError) -> HttpResponse:
    return problem_response(request, 403, "Forbidden", str(exc) or "Not allowed.")


def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # the gate's NoActingUnit: the actor holds the ability in no unit
    return problem_response(request, 403, "Forbidden", str(exc) or "Not allowed.")


_PROBLEM_HANDLERS: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
    (HttpError, _http_error),
    (SuspiciousOperation, _request_refused),
    (MultiPartParserError, _multipart),
    (BadRequest, _bad_request),
    (DatabaseError, _database),
    (NinjaValidationError, _validation),
    (DjangoValidationError, _domain_validation),
    (Http404, _not_found),
    (AuthenticationError, _unauthenticated),
    (AuthPolicyRefused, _policy),
    (PermissionError, _forbidden),
    (PermissionDenied, _denied),
]


def install_problem_handlers(api: NinjaAPI) -> None:
    """Answer every error of `api` as application/problem+json (RFC 9457)."""
    for exception, handler in _PROBLEM_HANDLERS:
        api.exception_handler(exception)(handler)
