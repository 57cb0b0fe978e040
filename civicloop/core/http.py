"""Request authentication and RFC 9457 problem details for the API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, NoReturn

from django.conf import settings
from django.core.exceptions import (
    ImproperlyConfigured,
)
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from ninja import Schema
from ninja.openapi.schema import REF_TEMPLATE
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from civicloop.core.mfa import session_needs_enrolment
from civicloop.core.permissions import (
    ANONYMOUS,
    Principal,
    principal_for_api_key,
    principal_for_person,
)
from civicloop.core.services import apikey_authenticate

PROBLEM_JSON = "application/problem+json"

NUL_RULE = "must not contain the NUL character (U+0000)"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(_holds_nul(v) for v in value)
    return False


class InputSchema(Schema):
    """Base of request bodies: no declared field may hold U+0000 (PostgreSQL text cannot store
    it, SQLite would keep it silently; the OpenAPI description says so with a pattern on every
    string, see ``document_problems``), and date-times with an offset are turned to UTC.
    Unknown properties are ignored, as before."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _holds_nul(value):
            raise ValueError(NUL_RULE)
        if isinstance(value, datetime) and value.tzinfo is not None:
            # Any RFC 3339 offset is accepted and stored as UTC (PostgreSQL refuses offsets
            # beyond 15:59, such as -16:16).
            try:
                return value.astimezone(UTC)
            except (OverflowError, ValueError) as error:
                raise ValueError("date and time out of range once converted to UTC") from error
        return value


NULL_RULE = "must not be null (leave the field out to keep its current value)"


def _refuse_null_in_schema(schema: dict[str, Any], cls: Any) -> None:
    """OpenAPI: a field that refuses null is documented without the null alternative."""
    nullable: frozenset[str] = getattr(cls, "nullable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if name in nullable or not options:
            continue
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == len(options):
            continue
        prop.pop("anyOf")
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept
        if prop.get("default", "") is None:
            prop.pop("default")


class PatchSchema(InputSchema):
    """Base of PATCH (and partial PUT) bodies: a field left out keeps its value, and ``null``
    is refused with 422 naming the field, unless the field is listed in ``nullable`` (the
    column accepts NULL, e.g. an optional date). Fields are declared ``T | None = None`` so they
    may be left out; ``null`` itself never reaches a NOT NULL column."""

    nullable: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=_refuse_null_in_schema)

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(NULL_RULE)
        return value


# -- JSON bodies: bounded nesting ------------------------------------------------------------------

MAX_JSON_DEPTH = 64
JSON_DEPTH_RULE = f"JSON may nest at most {MAX_JSON_DEPTH} levels of arrays and objects"


class MalformedJSON(ValueError):
    """The body is not JSON, or is JSON nested deeper than ``MAX_JSON_DEPTH``."""


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest deeper than ``limit`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(raw: bytes | str) -> Any:
    """Parse a request body, refusing one nested deeper than ``MAX_JSON_DEPTH``, so that
    neither Python's parser nor anything after it (validation, audit, the event store) recurses
    without bound: a 3,000-level array is a 400, not a RecursionError."""
    try:
        value = json.loads(raw)
    except RecursionError as error:
        raise MalformedJSON(f"The body is refused: {JSON_DEPTH_RULE}.") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedJSON(f"The body is not JSON: {error}") from error
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise MalformedJSON(f"The body is refused: {JSON_DEPTH_RULE}.")
    return value


class JsonParser(Parser):
    """django-ninja's parser with bounded nesting (a 3,000-level array is a 400, not a 500)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json(request.body)


# An object id in a request body: a positive 64-bit integer (the database's key range), so an
# out-of-range number is a 422 naming the field instead of a database overflow.
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def principal(request: HttpRequest) -> Principal:
    """The acting principal of a request (API key or signed-in person), resolved once."""
    cached = getattr(request, "_civicloop_principal", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    if isinstance(auth, Principal):
        result = auth
    else:
        user = getattr(request, "user", None)
        result = (
            principal_for_person(user) if user is not None and user.is_authenticated else ANONYMOUS
        )
    request._civicloop_principal = result  # type: ignore[attr-defined]
    return result


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer clk_…`, a key created in the UI or by `civicloop apikey create`."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        key = apikey_authenticate(token)
        if key is None:
            return None
        return principal_for_api_key(key)


class AuthPolicyRefused(PermissionError):
    """A session may not make this request: answered 403 problem+json with ``title``."""

    title = "Forbidden"


class CsrfRefused(AuthPolicyRefused):
    title = "CSRF check failed"


class EnrolmentRequired(AuthPolicyRefused):
    title = "Two-factor authentication required"


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check (token, and Origin/Referer under HTTPS), raising its reason."""

    def _reject(self, request: HttpRequest, reason: str) -> NoReturn:  # type: ignore[override]
        raise CsrfRefused(
            f"CSRF token missing or incorrect ({reason.rstrip('.')}). A browser session must "
            "send the X-CSRFToken header with the value of the CSRF cookie on every "
            "POST, PUT, PATCH and DELETE; API keys (Authorization: Bearer) need no token."
        )


def csrf_check(request: HttpRequest) -> None:
    """Refuse an unsafe request without a valid CSRF token, whatever its content type."""
    check = _CsrfCheck(lambda _request: HttpResponse())
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    check.process_request(request)
    check.process_view(request, _api_view, (), {})


def _api_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    """Stands for the API operation in Django's check (which looks for ``csrf_exempt``)."""
    return HttpResponse()


class SessionAuth(APIKeyCookie):
    """A signed-in browser session. Unsafe methods need the CSRF token (ASVS V4.2.2), and a
    person whose role requires two-factor authentication must have enrolled."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:  # type: ignore[override]
        # django-ninja runs its CSRF check in this method; ours runs in ``authenticate``, once
        # the request is known to carry a signed-in session (an anonymous call answers 401).
        return request.COOKIES.get(settings.SESSION_COOKIE_NAME)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            csrf_check(request)
        if session_needs_enrolment(request):
            raise EnrolmentRequired(
                "Your role requires two-factor authentication: set up an authenticator app at "
                f"{reverse('mfa_activate_totp')} before using the API with your session. "
                "API keys are not affected."
            )
        return principal_for_person(user)


def require_write(request: HttpRequest) -> Principal:
    """The principal, refusing read-only API keys with a clear 403."""
    actor = principal(request)
    if actor.read_only:
        raise PermissionError("This API key is read-only; create a key with the 'write' scope.")
    return actor


API_AUTH = [ApiKeyAuth(), SessionAuth(csrf=True)]


def problem_response(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(
        body, status=status, content_type=PROBLEM_JSON, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# -- OpenAPI: every error is documented as problem+json -------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` lists each field and the rule it broke.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status", "detail"],
}
COMMON_ERRORS = {
    "400": "Malformed request, or a rule of the domain refused it (`errors` names the field)",
    "401": "No valid credentials (an API key as `Authorization: Bearer ...`, or a session)",
    "403": (
        "Not allowed: a read-only key asked to write, the role lacks the permission, a browser "
        "session sent no valid CSRF token (`X-CSRFToken`), or its person must first set up "
        "two-factor authentication"
    ),
    "404": "No such object, or it is outside what the caller may see",
    "422": "Input outside the schema: each error names the field and the rule",
}


# Schemas that an operation names by hand in its `openapi_extra` (a body parsed by the view
# itself); `document_problems` adds them to the components so that every `$ref` resolves.
_REFERENCED_SCHEMAS: dict[str, type[Schema]] = {}


def schema_ref(schema_class: type[Schema]) -> dict[str, str]:
    """A `$ref` to ``schema_class`` for hand-written OpenAPI; the component is published too."""
    name = schema_class.__name__
    known = _REFERENCED_SCHEMAS.setdefault(name, schema_class)
    if known is not schema_class:
        raise ImproperlyConfigured(
            f"OpenAPI component name '{name}' is taken by {known.__module__}.{known.__qualname__}"
            f"; rename {schema_class.__module__}.{schema_class.__qualname__}."
        )
    return {"$ref": REF_TEMPLATE.format(model=name)}


def referenced_schemas() -> list[type[Schema]]:
    """The schema classes named through `schema_ref` (the OpenAPI tests check their names)."""
    return list(_REFERENCED_SCHEMAS.values())


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema and the common error answers to every operation of ``schema``.

    Operations keep the error answers they document themselves (413, 429, 503, ...).
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, schema_class in _REFERENCED_SCHEMAS.items():
        definition = schema_class.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
        )
        components.update(definition.pop("$defs", {}))
        components[name] = definition
    for component in components.values():
        _no_nul_pattern(component)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                _no_nul_pattern(parameter.get("schema", {}))
    components["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                responses.setdefault(code, {"description": description, "content": problem})
    return schema


class Pagination(LimitOffsetPagination):
    """`limit` (at most 200) and `offset`, with `offset` bounded so no database overflows."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=10**12, description="Number of items to skip")


class MappedRows(Sequence[Any]):
    """A queryset read a page at a time through `convert` (for `@paginate(Pagination)` on a
    list whose items are built from rows, or from a page of rows at once): the count is one
    query and a slice converts only the rows it loads, so a list costs the same at any size."""

    def __init__(
        self, rows: QuerySet[Any] | list[Any], convert: Callable[[list[Any]], list[Any]]
    ) -> None:
        self._rows = rows
        self._convert = convert

    def __len__(self) -> int:
        return len(self._rows) if isinstance(self._rows, list) else self._rows.count()

    def count(self) -> int:  # type: ignore[override]
        return len(self)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        return self._convert(list(self._rows[index]))


NO_NUL_PATTERN = "^[^\\u0000]*$"


def _no_nul_pattern(node: Any) -> None:
    """Document the no-U+0000 rule: a pattern on every free string of a schema (in place)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(node):
            node["pattern"] = NO_NUL_PATTERN
        for value in node.values():
            _no_nul_pattern(value)
    elif isinstance(node, list):
        for value in node:
            _no_nul_pattern(value)
