"""Honest failure: a missing database is a 503 with `Retry-After`, never a 500 or a traceback.

Django turns an exception raised anywhere in the middleware chain into a response at the layer
where it happened (a 500 page, or in DEBUG a traceback page), so an outer middleware never sees
the exception itself. ``got_request_exception`` is sent while that exception is being handled:
``remember_unavailable_database`` notes a database outage on the request, and
``FailureMiddleware`` (the outermost middleware) replaces whatever error answer was built with a
static, database-free 503 page, or a problem+json 503 under ``/api/``. The error handlers in
``config.urls`` (``handler400``/``404``/``500``) do the same for production settings and answer
API paths with problem+json, so no API client ever gets an HTML error page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

logger = logging.getLogger("civicloop.failure")

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
DEFAULT_RETRY_AFTER_SECONDS = 30


def retry_after_seconds() -> int:
    config: dict[str, Any] = settings.CIVICLOOP
    return int(config.get("UNAVAILABLE_RETRY_AFTER_SECONDS", DEFAULT_RETRY_AFTER_SECONDS))


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached or used.

    Operational and interface errors are about the connection (refused, terminated, closed,
    locked); any other database error counts only when a connection it came from is no longer
    usable. Integrity, data and programming errors are bugs or bad input, not an outage.
    """
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        if type(exc) is DatabaseError and _a_connection_is_broken():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _a_connection_is_broken() -> bool:
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            return True
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def problem(request: HttpRequest, status: int, title: str, detail: str, **headers: str) -> Any:
    """`core.http.problem_response` with headers given as keywords (Retry_After=...)."""
    from civicloop.core.http import problem_response

    return problem_response(
        request,
        status,
        title,
        detail,
        headers={name.replace("_", "-"): value for name, value in headers.items()},
    )


def static_page(status: int, title: str, detail: str, **headers: str) -> HttpResponse:
    """A self-contained HTML page: no template, no database, no session, no user."""
    site = html.escape(str(settings.CIVICLOOP.get("SITE_NAME", "CivicLoop")))
    heading, text = html.escape(title), html.escape(detail)
    body = (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{heading} – {site}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="{settings.STATIC_URL}vendor/civicloop.css"></head>'
        '<body class="govuk-template__body"><main class="govuk-width-container" id="main-content">'
        f'<p class="govuk-body">{site}</p><h1 class="govuk-heading-l">{heading}</h1>'
        f'<p class="govuk-body">{text}</p></main></body></html>\n'
    )
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    # Outside SecurityHeadersMiddleware (this page may be built by the outermost middleware).
    from civicloop.web.middleware import CSP

    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: problem+json for the API, a static page for everything else."""
    seconds = str(retry_after_seconds())
    title = _("Service temporarily unavailable")
    if is_api(request):
        detail = _(
            "The database is unavailable; nothing was changed. Retry after %(seconds)s seconds."
        ) % {"seconds": seconds}
        return problem(request, 503, title, detail, Retry_After=seconds)
    detail = _(
        "CivicLoop cannot reach its database just now. Nothing you sent was saved. "
        "Please try again in a minute."
    )
    return static_page(503, title, detail, Retry_After=seconds)


def too_large_response(request: HttpRequest, detail: str) -> HttpResponse:
    title = _("Request too large")
    if is_api(request):
        return problem(request, 413, title, detail)
    return static_page(413, title, detail)


def bad_request_response(request: HttpRequest, detail: str) -> HttpResponse:
    title = _("Bad request")
    if is_api(request):
        return problem(request, 400, title, detail)
    return static_page(400, title, detail)


def request_error_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 4xx answer for an exception raised while reading a request, if it is one."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return too_large_response(
            request,
            _("A request body of this kind is at most %(bytes)s bytes.") % {"bytes": limit},
        )
    if isinstance(exc, MultiPartParserError):
        return bad_request_response(
            request, _("The multipart body cannot be read: %(error)s") % {"error": exc}
        )
    if isinstance(exc, SuspiciousOperation):
        return bad_request_response(request, _("The request was refused as malformed."))
    return None


@receiver(got_request_exception)
def remember_unavailable_database(sender: Any, request: HttpRequest | None = None, **_: Any):
    """Note on the request that it failed because the database is unavailable."""
    import sys

    exc = sys.exc_info()[1]
    if request is not None and database_unavailable(exc):
        request._civicloop_database_unavailable = True  # type: ignore[attr-defined]


class FailureMiddleware:
    """Outermost: an error answer caused by a database outage becomes an honest 503.

    It catches what any inner middleware raised too (sessions, authentication, axes), because
    Django reports each exception through ``got_request_exception`` before answering it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:  # only with DEBUG_PROPAGATE_EXCEPTIONS
            if database_unavailable(exc):
                return self._unavailable(request)
            raise
        if response.status_code >= 500 and getattr(
            request, "_civicloop_database_unavailable", False
        ):
            return self._unavailable(request)
        return response

    def _unavailable(self, request: HttpRequest) -> HttpResponse:
        logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
        return unavailable_response(request)


# -- error handlers (config.urls: handler400, handler404, handler500) --------------------------


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    answer = request_error_response(request, exception) if exception is not None else None
    return answer or bad_request_response(request, _("The request was refused as malformed."))


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    if is_api(request):
        return problem(
            request, 404, _("Not found"), _("No such object, or it is not yours to see.")
        )
    from django.views.defaults import page_not_found as django_page_not_found

    return django_page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    import sys

    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    title = _("Something went wrong")
    detail = _("The error has been logged. Please try again later.")
    if is_api(request):
        return problem(request, 500, title, detail)
    return static_page(500, title, detail)
