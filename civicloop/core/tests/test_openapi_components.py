"""The published OpenAPI description names each schema once and every reference resolves.

django-ninja names a component after the Python class alone and lets the last definition win,
so two apps with a `ScoreIn` each documented one app's operation with the other's schema
(review F16). These tests walk every operation's schema classes and the published document.
"""

from __future__ import annotations

import enum
import json
import typing
from collections import defaultdict
from typing import Any

import pytest
from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel

from civicloop.api import api
from civicloop.core.http import referenced_schemas


def _schema_classes(annotation: Any, found: set[type]) -> None:
    """Every model and enum class reachable from ``annotation`` (each becomes a component)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
        if annotation in found:
            return
        found.add(annotation)
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                _schema_classes(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _schema_classes(argument, found)


def _operation_schema_classes() -> set[type]:
    found: set[type] = set()
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:
                    if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                        for field in wrapper.model_fields.values():
                            _schema_classes(field.annotation, found)
    for schema_class in referenced_schemas():
        _schema_classes(schema_class, found)
    return found


def test_no_two_schema_classes_share_a_component_name():
    by_name: dict[str, set[str]] = defaultdict(set)
    classes = _operation_schema_classes()
    assert len(classes) > 50, "the walk must reach the operations' schemas"
    for schema_class in classes:
        by_name[schema_class.__name__].add(f"{schema_class.__module__}.{schema_class.__qualname__}")
    shared = {name: sorted(owners) for name, owners in by_name.items() if len(owners) > 1}
    assert shared == {}, f"rename one of each: {shared}"


class _RecordingSchema(OpenAPISchema):
    """Ninja's generator, keeping every definition it was given for each component name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.definitions: dict[str, set[str]] = defaultdict(set)
        super().__init__(*args, **kwargs)

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            self.definitions[name].add(json.dumps(definition, sort_keys=True))
        super().add_schema_definitions(definitions)


def test_each_component_name_has_one_definition():
    # Also catches one class whose request and response forms differ under one name.
    recorded = _RecordingSchema(api, "/api/v1/")
    differing = sorted(name for name, found in recorded.definitions.items() if len(found) > 1)
    assert differing == []


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node)) if node else set()
    return set()


@pytest.fixture(scope="module")
def published(django_db_blocker) -> dict[str, Any]:
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


def test_every_reference_resolves(published):
    components = published["components"]["schemas"]
    prefix = "#/components/schemas/"
    refs = _refs(published)
    assert refs, "the document references its components"
    dangling = sorted(ref for ref in refs if ref.removeprefix(prefix) not in components)
    assert dangling == []
    assert all(ref.startswith(prefix) for ref in refs)


def test_the_events_batch_is_described(published):
    body = published["paths"]["/api/v1/events"]["post"]["requestBody"]
    items = body["content"]["application/json"]["schema"]["items"]
    event = published["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert {"event_id", "unit_id", "name", "timestamp"} <= set(event["required"])


def _component(published: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return published["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def test_proposal_scores_are_documented_with_the_body_the_operation_reads(published):
    operation = published["paths"]["/api/v1/market/proposals/{proposal_id}/scores"]["post"]
    body = _component(published, operation["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"criterion_id", "score", "justification"}
    assert set(body["required"]) == {"criterion_id", "score", "justification"}
    answer = _component(
        published, operation["responses"]["201"]["content"]["application/json"]["schema"]
    )
    assert set(answer["properties"]) == {"id", "criterion_id", "score", "justification"}
    # and it is the class the operation really parses
    (view,) = [
        op
        for router in api._get_bound_routers()
        for path, path_view in router.path_operations.items()
        if path == "/market/proposals/{proposal_id}/scores"
        for op in path_view.operations
    ]
    (payload,) = [m for m in view.models if m.__ninja_param_source__ == "body"]
    (parsed,) = [f.annotation for f in payload.model_fields.values()]
    assert set(parsed.model_fields) == set(body["properties"])


def test_operation_ids_are_readable_and_unique(published):
    ids = [
        operation["operationId"]
        for path in published["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) > 50
    duplicated = sorted({name for name in ids if ids.count(name) > 1})
    assert duplicated == [], "two operations share a name: rename one view function"
    # what a generated client calls: `list_problems`, never the module path
    assert "list_problems" in ids
    assert not [name for name in ids if name.startswith("civicloop_")]


def _success_responses(published: dict[str, Any]):
    for path, item in published["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, answer in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    yield f"{method.upper()} {path} {status}", answer


def test_every_success_answer_is_described_by_a_schema(published):
    # A bare `dict` response is published as an object with no properties: OpenAPI then says
    # nothing about the payload a client relies on (issue 14, "Typed API").
    components = published["components"]["schemas"]
    undescribed = []
    for name, answer in _success_responses(published):
        content: dict[str, Any] = answer.get("content", {})
        first: dict[str, Any] = next(iter(content.values()), {})
        schema: dict[str, Any] = first.get("schema", {})
        if "$ref" in schema:
            continue
        if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
            continue
        if schema.get("format") == "binary" or not content.get("application/json"):
            continue  # files and streams (CSV, PDF, Parquet) are described by their media type
        resolved = components.get(str(schema.get("$ref", "")).rsplit("/", 1)[-1], schema)
        if resolved.get("properties") or resolved.get("type") in {"string", "integer"}:
            continue
        undescribed.append(name)
    assert undescribed == []
