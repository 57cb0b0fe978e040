"""What the cross-organisation matrix (test_cross_org_matrix.py) knows: object kinds of parameters,
what is public or open by design, candidate ids, example bodies from the OpenAPI document, and
the URL patterns of pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

MISSING_ID = 2**31 - 1


IDS_PER_GET = 2


IDS_PER_WRITE = 1


CSRF_TOKEN = "matrixcsrf" + "x" * 22  # an unmasked 32-character token, as Django accepts


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# The object kind behind a path parameter: the parameter name, else the path segment before it.
PARAM_MODEL = {
    "problem_id": "portfolio.Problem",
    "kpi_id": "portfolio.Kpi",
    "metric_id": "analytics.Metric",
    "challenge_id": "market.Challenge",
    "question_id": "market.Question",
    "profile_id": "market.VendorProfile",
    "proposal_id": "market.Proposal",
    "assignment_id": "market.EvaluatorAssignment",
    "file_id": "market.ProposalFile",
    "award_id": "market.Award",
    "contract_id": "market.Contract",
    "milestone_id": "market.Milestone",
    "service_id": "experiments.Service",
    "experiment_id": "experiments.Experiment",
    "iteration_id": "experiments.Iteration",
    "survey_id": "feedback.Survey",
    "link_id": "evidence.SharedReportLink",
    "membership_id": "core.Membership",
    "invitation_id": "people.Invitation",
    "person_id": "core.Person",
    "decision_pk": "experiments.Decision",
    "citizen_proposal_id": "participation.Proposal",
    "target_group_id": "portfolio.TargetGroup",
    "notification_id": "notifications.Notification",
    "webhook_id": "notifications.WebhookEndpoint",
    "sandbox_id": "scaling.Sandbox",
}


SEGMENT_MODEL = {
    "portfolio": "portfolio.Problem",
    "problems": "portfolio.Problem",
    "kpis": "portfolio.Kpi",
    "challenges": "market.Challenge",
    "proposals": "market.Proposal",
    "files": "market.ProposalFile",
    "awards": "market.Award",
    "contracts": "market.Contract",
    "services": "experiments.Service",
    "iterations": "experiments.Iteration",
    "experiments": "experiments.Experiment",
    "feedback": "feedback.Survey",
    "assessments": "scaling.ScalabilityAssessment",
    "obstacles": "scaling.Obstacle",
    "plans": "scaling.ReplicationPlan",
    "sandboxes": "scaling.Sandbox",
    "people": "core.Person",
    "api-keys": "core.ApiKey",
    "invitations": "people.Invitation",
    "roles": "core.Membership",
    "summaries": "portal.PublicSummary",
    "citizen-proposals": "participation.Proposal",
    "comments": "participation.Comment",
    "supports": "participation.Support",
    "webhooks": "notifications.WebhookEndpoint",
}


# String parameters: (model, field) whose values are A's keys, or fixed values to try.
STRING_PARAMS: dict[str, tuple[str, str] | list[str]] = {
    "key": ("experiments.Experiment", "key"),
    "service_key": ("feedback.Survey", "service_key"),
    "service": ("experiments.Service", "name"),
    "fmt": ["csv", "json"],
    # an audit event's page is named by its sequence number (not its key)
    "sequence": ("core.AuditEvent", "sequence"),
    # a challenge's phase by its kind (market: closing a phase)
    "kind": ["feasibility", "prototype", "pilot"],
}


ACTION_VALUES = {
    "experiments": ["start", "stop", "refresh"],
    "sandboxes": ["eligibility", "start", "extend", "report", "exit"],
}


# Public by design (anonymous readers too), so not organisation-scoped.
PUBLIC_PAGES = {
    "feedback:public",
    "feedback:thanks",
    "feedback:widget",
    "feedback:widget_questions",
    "scaling:registry_detail",
    # the public portal: published objects only (civicloop/portal/tests/test_public_sweep.py)
    "portal:language",
    "portal:result",
    "portal:sandbox",
    "portal:dataset",
    "portal:dataset_download",
    # a published citizens' proposal is public; supporting, following and commenting are for
    # verified citizens of any unit (civicloop/participation/tests/test_public_sweep.py)
    "participation:detail",
    "participation:support",
    "participation:withdraw",
    "participation:follow",
    "participation:comment",
    # a signed link in an e-mail: the signature is the proof, no sign-in (docs/notifications.md)
    "notifications:unsubscribe",
}


PUBLIC_PREFIXES = ("/accounts/", "/admin/", "/api/", "/evidence/s/", "/i18n/", "/static/")


# What another organisation may do on A's objects by design: (method, path or page) ->
# the B principals allowed and why. Anything else of B that is not a 404 is a failure.
VENDORS = {"bvendor"}


BY_DESIGN: dict[tuple[str, str], tuple[set[str], str]] = {
    ("POST", "/api/v1/market/challenges/{challenge_id}/questions"): (
        VENDORS,
        "any company may ask a clarification question on a published call",
    ),
    ("POST", "/api/v1/market/challenges/{challenge_id}/proposals"): (
        VENDORS,
        "any company may bid on an open call",
    ),
    ("POST", "/api/v1/market/challenges/{challenge_id}/rfi"): (
        VENDORS,
        "any company may answer a request for information",
    ),
    ("POST", "market:question_ask"): (VENDORS, "clarification questions on a published call"),
    ("GET", "market:propose"): (VENDORS, "any company may bid on an open call"),
    ("POST", "/api/v1/market/vendors/{profile_id}/verify"): (
        {"bstaff", "B write key"},
        "vendor profiles are shared; a unit records its OWN verification (F13: A's view is "
        "unchanged, civicloop/security_tests/test_vendor_verification.py)",
    ),
    ("POST", "market:propose"): (VENDORS, "any company may bid on an open call"),
    ("POST", "/api/v1/participation/proposals/{citizen_proposal_id}/support"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "a published citizens' proposal is public; supporting it is for verified citizens, so "
        "B's people (no citizens) and keys are answered 403 with the reason",
    ),
    ("DELETE", "/api/v1/participation/proposals/{citizen_proposal_id}/support"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "as supporting: a public proposal, an action for verified citizens only",
    ),
    ("PUT", "/api/v1/notifications/follows/citizen-proposals/{citizen_proposal_id}"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "as supporting: a published proposal is public, following it is for verified citizens "
        "(B's people and keys are answered 403 with the reason)",
    ),
    ("DELETE", "/api/v1/notifications/follows/citizen-proposals/{citizen_proposal_id}"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "as following: a public proposal, an action for verified citizens only",
    ),
    ("PUT", "/api/v1/notifications/follows/challenges/{challenge_id}"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "a published call is public: any signed-in person may follow it (keys are answered 403, "
        "following is a person's); A's drafts stay 404",
    ),
    ("DELETE", "/api/v1/notifications/follows/challenges/{challenge_id}"): (
        {"bstaff", "bauditor", "bevaluator", "bofficial", "bvendor", "B read key", "B write key"},
        "as following: a published call, an action for signed-in people",
    ),
}


# Leaks other findings of the 2026-12-02 review close on their own branches. An entry that no
# longer leaks fails the test, so the list is emptied as those fixes land.
KNOWN_OPEN: dict[tuple[str, str], str] = {}


# Operations that also serve the public: another organisation may get exactly what an
# anonymous reader gets from the public twin (a published call), and nothing more.
PUBLIC_TWIN = {
    "/api/v1/market/challenges/{challenge_id}": "/api/v1/market/public/challenges/{challenge_id}",
}


def seed_personal_objects(people: dict[str, Any]) -> None:
    """A's own notification and webhook (the demo loaders make none): each is another
    organisation's object the sweep probes (`notification_id`, `webhook_id`)."""
    from civicloop.core import field_crypto
    from civicloop.core.models import Membership
    from civicloop.notifications.models import Notification, WebhookEndpoint

    staff = people["staff"]
    Notification.objects.create(
        person=staff, kind="award", params={"title": "A's award"}, source="matrix:1"
    )
    unit_id = Membership.objects.filter(person=staff).values_list("organization_id", flat=True)[0]
    WebhookEndpoint.objects.create(
        organization_id=unit_id,
        url="https://hooks.a.example/in",
        secret_encrypted=field_crypto.encrypt("whsec_matrix"),
        created_by=staff,
    )


@dataclass
class Principal:
    name: str
    client: Client
    headers: dict[str, str] = field(default_factory=dict)
    session: bool = True


@dataclass
class Failures:
    lines: list[str] = field(default_factory=list)
    known: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, key: tuple[str, str], who: str, message: str) -> None:
        if key in KNOWN_OPEN:
            self.known.setdefault(key, []).append(f"{who}: {message}")
        else:
            self.lines.append(f"{key[0]} {key[1]} as {who}: {message}")


def _model_for(param: str, segment: str) -> str | None:
    return PARAM_MODEL.get(param) or SEGMENT_MODEL.get(segment)


def _candidates(param: str, segment: str, a_rows: dict[str, set]) -> list[Any] | None:
    """A's values for a path parameter (objects that existed before unit B), or None."""
    if param == "action":
        return ACTION_VALUES.get(segment)
    if param in STRING_PARAMS:
        spec = STRING_PARAMS[param]
        if isinstance(spec, list):
            return spec
        label, attr = spec
        model = apps.get_model(label)
        rows = model._default_manager.filter(pk__in=a_rows[model._meta.label])
        if model._meta.get_field(attr).get_internal_type() in ("CharField", "SlugField"):
            rows = rows.exclude(**{attr: ""})
        values = rows.values_list(attr, flat=True).distinct()
        return sorted(values)[:6]
    model_label = _model_for(param, segment)
    if model_label is None:
        return None
    model = apps.get_model(model_label)
    return sorted(a_rows[model._meta.label])


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _example(schema: dict, node: dict, depth: int = 0) -> Any:
    """A small instance that satisfies a JSON schema (required properties only)."""
    node = _resolve(schema, node)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in node:
            options = [o for o in node[combinator] if _resolve(schema, o).get("type") != "null"]
            return _example(schema, options[0] if options else node[combinator][0], depth + 1)
    if "default" in node:
        return node["default"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {
            name: _example(schema, props[name], depth + 1)
            for name in node.get("required", [])
            if name in props and depth < 6
        }
    if kind == "array":
        return [_example(schema, node.get("items", {}), depth + 1)] * node.get("minItems", 0)
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = node.get("format")
        if fmt == "date-time":
            return timezone.now().isoformat()
        if fmt == "date":
            return date.today().isoformat()  # noqa: DTZ011 - a calendar date is enough here
        if fmt == "binary":
            return PDF_BYTES
        return "x" * max(3, node.get("minLength", 0))
    return None


def _body(schema: dict, operation: dict) -> tuple[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return "json", _example(schema, content["application/json"]["schema"])
    if "multipart/form-data" in content:
        node = _resolve(schema, content["multipart/form-data"]["schema"])
        data = {}
        for name, prop in node.get("properties", {}).items():
            value = _example(schema, prop)
            if isinstance(value, bytes):
                from django.core.files.uploadedfile import SimpleUploadedFile

                data[name] = SimpleUploadedFile("offer.pdf", value, "application/pdf")
            elif value is not None:
                data[name] = value
        return "multipart", data
    return "none", None


def _fill(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _api_operations(schema: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, item in schema["paths"].items():
        if "{" not in path:
            continue
        for method, operation in item.items():
            if operation.get("security") == [] or "security" not in operation:
                continue  # public by design
            found.append((method.upper(), path, operation))
    return found


PARAM_RE = re.compile(r"\{(\w+)\}|<(?:\w+:)?(\w+)>")


def _params(path: str) -> list[tuple[str, str]]:
    """(parameter, path segment before it) for each path parameter."""
    found = []
    for match in PARAM_RE.finditer(path):
        parts = [p for p in path[: match.start()].split("/") if p and not PARAM_RE.match(p)]
        found.append((match.group(1) or match.group(2), parts[-1] if parts else ""))
    return found


def _missing(values: dict[str, Any]) -> dict[str, Any]:
    return {k: MISSING_ID if isinstance(v, int) else f"no-such-{k}" for k, v in values.items()}


def _query(schema: dict, operation: dict) -> str:
    """Required query parameters, with example values."""
    pairs = [
        (p["name"], _example(schema, p.get("schema", {})))
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    ]
    return ("?" + urlencode(pairs)) if pairs else ""


def _page_patterns() -> list[tuple[str, str]]:
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = "/" + prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace else (p.name or route)
                if (
                    "<" in route
                    and not route.startswith(PUBLIC_PREFIXES)
                    and name not in PUBLIC_PAGES
                ):
                    found.append((name, route))

    walk(get_resolver().url_patterns, "", "")
    return found


def _page_url(route: str, values: dict[str, Any]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
