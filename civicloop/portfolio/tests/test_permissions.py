"""Every portfolio and core page and API operation × every role: allowed, or 404."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import get_resolver

from civicloop.conftest import ROLES
from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory

OK = "ok"
NF = 404

VIEWERS = {"staff", "official", "evaluator", "auditor"}
# role -> expected for each (method, url-key); anything not listed for a role is 404.
MATRIX: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "portfolio:list"): {r: OK for r in ROLES if r != "vendor"},
    ("GET", "portfolio:detail"): {r: OK for r in VIEWERS},
    ("GET", "portfolio:edit"): {"staff": OK},
    ("GET", "portfolio:create"): {"staff": OK, "outsider": OK},
    ("GET", "portfolio:kpi_create"): {"staff": OK},
    ("GET", "portfolio:kpi"): {r: OK for r in VIEWERS},
    ("GET", "portfolio:import"): {
        "staff": OK,
        "official": OK,
        "other_official": OK,
        "outsider": OK,
    },
    ("GET", "portfolio:target_group_create"): {"staff": OK, "outsider": OK},
    ("POST", "portfolio:move_stage"): {"staff": OK},
    ("POST", "portfolio:publish"): {"staff": OK},
    ("POST", "portfolio:measurement_create"): {"staff": OK, "official": OK},
    ("GET", "core:api_keys"): {"staff": OK, "outsider": OK},
    ("POST", "core:api_key_revoke"): {"staff": OK},
    ("GET", "core:audit_log"): {"staff": OK, "auditor": OK, "outsider": OK},
    ("GET", "core:audit_event"): {"staff": OK, "auditor": OK},
    ("GET", "core:account"): dict.fromkeys(ROLES, OK),
    ("POST", "core:account"): dict.fromkeys(ROLES, OK),
    ("GET", "core:prioritisation"): {"staff": OK, "outsider": OK},
    ("POST", "core:prioritisation"): {"staff": OK, "outsider": OK},
}


@pytest.fixture
def objects(world):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    kpi = KpiFactory.create(problem=problem)
    key_id = (
        __import__("civicloop.core.services", fromlist=["apikey_create"])
        .apikey_create(actor=None, organization=world.unit, name="k", scope="read")
        .api_key.pk
    )
    from civicloop.core.models import AuditEvent

    event = AuditEvent.objects.filter(organization=world.unit).latest("sequence")
    return {"problem": problem, "kpi": kpi, "key": key_id, "event": event.sequence}


def _url(name: str, objects) -> str:
    from django.urls import reverse

    args = {
        "portfolio:detail": [objects["problem"].pk],
        "portfolio:edit": [objects["problem"].pk],
        "portfolio:kpi_create": [objects["problem"].pk],
        "portfolio:move_stage": [objects["problem"].pk],
        "portfolio:publish": [objects["problem"].pk],
        "portfolio:kpi": [objects["kpi"].pk],
        "portfolio:measurement_create": [objects["kpi"].pk],
        "core:api_key_revoke": [objects["key"]],
        "core:audit_event": [objects["event"]],
    }.get(name, [])
    return reverse(name, args=args)


POST_DATA = {
    "portfolio:move_stage": {"to_stage": "framed", "rationale": "agreed"},
    "portfolio:publish": {"published": "1"},
    "portfolio:measurement_create": {"date": datetime.date.today().isoformat(), "value": "50"},
    "core:api_key_revoke": {},
    "core:prioritisation": {"impact": "2", "reach": "1", "urgency": "1", "effort": "1"},
    "core:account": {"form": "own", "own-time_zone": "Europe/Lisbon"},
}


def test_matrix_covers_every_portfolio_and_core_page():
    resolver = get_resolver()
    names = set()
    for ns in ("portfolio", "core"):
        _, sub = resolver.namespace_dict[ns]
        names |= {f"{ns}:{n}" for n in sub.reverse_dict if isinstance(n, str)}
    covered = {name for _, name in MATRIX}
    assert names == covered, f"pages missing from the permission matrix: {names - covered}"


@pytest.mark.parametrize(("method", "name"), list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_page_access(world, objects, role, method, name):
    client = world.client(role)
    url = _url(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, POST_DATA.get(name, {}))
    expected = MATRIX[(method, name)].get(role, NF)
    if expected == OK:
        assert response.status_code in (200, 302), f"{role} {method} {url}: {response.status_code}"
    else:
        assert response.status_code == 404, f"{role} {method} {url}: {response.status_code}"


@pytest.mark.parametrize(("method", "name"), list(MATRIX))
def test_anonymous_is_sent_to_sign_in(world, objects, method, name):
    client = world.client(None)
    url = _url(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, POST_DATA.get(name, {}))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


API_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/problems/{problem}"): {r: 200 for r in VIEWERS},
    ("PATCH", "/api/v1/problems/{problem}"): {"staff": 200},
    ("POST", "/api/v1/problems/{problem}/stage"): {"staff": 200},
    ("GET", "/api/v1/problems/{problem}/stages"): {r: 200 for r in VIEWERS},
    ("POST", "/api/v1/problems/{problem}/kpis"): {"staff": 201},
    ("GET", "/api/v1/kpis/{kpi}"): {r: 200 for r in VIEWERS},
    ("GET", "/api/v1/kpis/{kpi}/measurements"): {r: 200 for r in VIEWERS},
    ("POST", "/api/v1/kpis/{kpi}/measurements"): {"staff": 201, "official": 201},
}
API_BODY = {
    "PATCH /api/v1/problems/{problem}": {"title": "A better title"},
    "POST /api/v1/problems/{problem}/stage": {"to_stage": "framed"},
    "POST /api/v1/problems/{problem}/kpis": {
        "template": "completion_rate",
        "baseline_value": "50",
        "baseline_date": "2026-01-01",
        "baseline_source": "MI",
        "target_value": "70",
        "target_date": "2026-12-31",
    },
    "POST /api/v1/kpis/{kpi}/measurements": {"date": "2026-06-01", "value": "55"},
}


@pytest.mark.parametrize(("method", "path"), list(API_MATRIX))
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_access(world, objects, role, method, path):
    client = world.client(None if role == "anonymous" else role)
    url = path.format(problem=objects["problem"].pk, kpi=objects["kpi"].pk)
    body = API_BODY.get(f"{method} {path}")
    response = client.generic(
        method,
        url,
        data=__import__("json").dumps(body) if body else "",
        content_type="application/json",
    )
    expected = 401 if role == "anonymous" else API_MATRIX[(method, path)].get(role, 404)
    assert response.status_code == expected, (role, method, url, response.content[:300])
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_read_only_key_cannot_write_and_other_units_key_sees_nothing(world, objects):
    from django.test import Client

    client = Client()
    read_key = world.api_key(scope="read")
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {read_key}"}
    url = f"/api/v1/problems/{objects['problem'].pk}"
    assert client.get(url, **auth).status_code == 200
    response = client.patch(
        url, data='{"title": "Changed by a read key"}', content_type="application/json", **auth
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    other_key = world.api_key(org=world.other_unit)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer clk_nothing_real").status_code == 401
