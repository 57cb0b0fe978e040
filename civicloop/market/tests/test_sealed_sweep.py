"""No route or API operation returns proposal content before the deadline, for any role.

Exhaustive over the whole URL map (every page and API route of every app, path parameters
filled with the ids of the sealed proposals, their attachment, challenge and the like) and
every role, including a superuser and a unit API key. Each proposal carries a unique canary
string in its text and in its attachment; only the vendor who wrote it may see its own canary.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from civicloop.core.models import Person
from civicloop.market import services
from civicloop.market.tests.factories import CANARY, PDF_BYTES, RIVAL_CANARY, close_submissions

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if hasattr(p, "url_patterns"):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def _fill(route: str, ids: list[int]) -> list[str]:
    if "(?P" in route or route.startswith("^") or "^" in route:
        literal = route.replace("^", "").replace("$", "")
        return [] if "(" in literal else ["/" + literal]
    params = _PARAM.findall(route)
    if not params:
        return ["/" + route]
    out = []
    for value in ids:

        def sub(m, value=value):
            converter, name = m.group(1), m.group(2)
            if converter in (None, "int", "path") and ("id" in name or name == "pk"):
                return str(value)
            if name == "fmt":
                return "csv"
            return str(value)

        out.append("/" + _PARAM.sub(sub, route))
        if any(name == "fmt" for _, name in params):

            def json_sub(m, value=value):
                return "json" if m.group(2) == "fmt" else str(value)

            out.append("/" + _PARAM.sub(json_sub, route))
    return out


def _clients(world, market):
    superuser = Person.objects.create_superuser(email="root@example.org", password="x" * 16)
    clients = {
        role: Client(raise_request_exception=False)
        for role in (
            "anonymous",
            "staff",
            "official",
            "evaluator",
            "vendor",
            "auditor",
            "outsider",
            "rival",
            "superuser",
            "unit_api_key",
        )
    }
    for role in ("staff", "official", "evaluator", "vendor", "auditor", "outsider"):
        clients[role].force_login(world.people[role])
    clients["rival"].force_login(market.rival.person)
    clients["superuser"].force_login(superuser)
    key = world.api_key("write")
    clients["unit_api_key"].defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return clients


def _forbidden_for(role: str) -> tuple[bytes, ...]:
    if role == "vendor":
        return (RIVAL_CANARY.encode(),)
    if role == "rival":
        return (CANARY.encode(),)
    return (CANARY.encode(), RIVAL_CANARY.encode())


@pytest.mark.slow
@pytest.mark.django_db
def test_no_route_returns_sealed_content_before_deadline(world, market):
    services.proposal_file_add(
        actor=world.principal("vendor"),
        proposal=market.proposal,
        name="plan.pdf",
        data=PDF_BYTES + f"% {CANARY}\n".encode(),
    )
    ids = sorted(
        {
            market.proposal.pk,
            market.rival_proposal.pk,
            market.challenge.pk,
            market.proposal.files.get().pk,
        }
    )
    # Other apps' routes cannot name a proposal; one id each suffices there.
    urls = sorted(
        {
            u
            for r in _routes()
            for u in _fill(r, ids if ("market" in r or "open-data" in r) else ids[:1])
        }
    )
    assert any(u.startswith("/api/v1/open-data/") for u in urls)
    assert any("/content" in u for u in urls) and any("proposal-files" in u for u in urls)
    clients = _clients(world, market)
    own_canary_seen = False
    requests = 0
    for role, client in clients.items():
        forbidden = _forbidden_for(role)
        for url in urls:
            for method in ("get", "post"):
                # Writes that could echo content are the market's own API operations.
                if method == "post" and not url.startswith("/api/v1/market/"):
                    continue
                response = (
                    getattr(client, method)(url, data={}, content_type="application/json")
                    if method == "post"
                    else client.get(url)
                )
                requests += 1
                body = b"".join(response) if response.streaming else response.content
                if "market" in url or "open-data" in url:
                    # Market routes answer cleanly (a crash page would prove nothing).
                    assert response.status_code < 500, f"{role} {method.upper()} {url}"
                for canary in forbidden:
                    assert canary not in body, f"{role} {method.upper()} {url} leaked {canary!r}"
                if role == "vendor" and CANARY.encode() in body:
                    own_canary_seen = True
    # The sweep reaches the content routes: the vendor reads its own proposal through them.
    assert own_canary_seen
    assert requests > 500
    print(f"sweep: {len(urls)} URLs, {len(clients)} roles, {requests} requests")
    # And the seal lifts at the deadline: the evaluator then reads it (control for this test).
    close_submissions(market.challenge)
    clients["evaluator"].post(
        f"/api/v1/market/proposals/{market.proposal.pk}/declaration",
        {"has_conflict": False},
        content_type="application/json",
    )
    response = clients["evaluator"].get(f"/api/v1/market/proposals/{market.proposal.pk}/content")
    assert response.status_code == 200 and CANARY in response.json()["content"]
