"""Security headers every response carries (OWASP ASVS V14.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

# Larger than the largest upload any form or API accepts (10 MB), so those keep their own,
# more specific messages; anything bigger is refused before Django reads the body.
DEFAULT_MAX_REQUEST_BYTES = 25 * 1024 * 1024

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
# The OpenAPI explorer needs inline bootstrapping from django-ninja's own template.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = DOCS_CSP if request.path.startswith(("/api/v1/docs", "/admin/")) else CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than it may be, with 413.

    Multipart bodies (uploads) may reach ``CIVICLOOP["MAX_REQUEST_BYTES"]``: Django spools big
    uploads to disk before any form can look at their size. Any other body (JSON, a form) is
    read into memory whole, so it may reach ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django refuses a
    larger one with ``RequestDataTooBig`` when it is read). Both are answered from the
    Content-Length header alone, before the body is read (OWASP ASVS V12.1.1): problem+json
    under ``/api/``, a page elsewhere. No hop-by-hop header is set (WSGI servers refuse them;
    wsgiref answered such a response with a 500).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            # Django would fail reading the body (int(CONTENT_LENGTH)) with a 500; say why.
            from civicloop.web.failure import bad_request_response

            return bad_request_response(
                request, _("The Content-Length header must be a whole number of bytes.")
            )
        limit = self.limit_for(request)
        if length > limit:
            from civicloop.web.failure import too_large_response

            if limit >= 1024 * 1024:
                detail = _("A request is at most %(mb)s MB; this one has %(size)s bytes.") % {
                    "mb": limit // (1024 * 1024),
                    "size": length,
                }
            else:
                detail = _("A request is at most %(limit)s bytes; this one has %(size)s bytes.") % {
                    "limit": limit,
                    "size": length,
                }
            return too_large_response(request, detail)
        return self.get_response(request)

    @staticmethod
    def limit_for(request: HttpRequest) -> int:
        config: dict[str, Any] = settings.CIVICLOOP
        limit = int(config.get("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
        content_type = request.META.get("CONTENT_TYPE", "")
        in_memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not content_type.startswith("multipart/") and in_memory is not None:
            limit = min(limit, int(in_memory))
        return limit


class NulCharacterMiddleware:
    """Refuse API query strings holding U+0000 with a 422 naming each parameter.

    PostgreSQL text cannot store or compare U+0000. Request bodies are checked field by field
    by ``civicloop.core.http.InputSchema``; the events API keeps its own per-event rules.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" not in request.META.get("QUERY_STRING", "") or not request.path.startswith(
            "/api/"
        ):
            return self.get_response(request)
        fields = [k for k, values in request.GET.lists() if any("\x00" in v for v in values)]
        if not fields:
            return self.get_response(request)
        from civicloop.core.http import NUL_RULE, problem_response

        errors = [
            {"field": field, "message": NUL_RULE, "type": "nul_character"} for field in fields
        ]
        detail = "; ".join(f"{field}: {NUL_RULE}" for field in fields)
        return problem_response(request, 422, "Invalid request", detail, errors)


class TimeZoneMiddleware:
    """Show times in the signed-in person's zone (`civicloop.core.timezones`); stored ones stay UTC.

    The zone is kept in the session from sign-in on, so no request queries for it; a person
    signed in before the session held it gets it resolved once. Anonymous visitors see the
    installation's zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import timezone

        from civicloop.core import timezones

        session = getattr(request, "session", None)
        name = session.get(timezones.SESSION_KEY) if session is not None else None
        if name is None and session is not None and request.session.session_key:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                timezones.remember(session, user)
                name = session[timezones.SESSION_KEY]
        timezone.activate(timezones.zone(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
