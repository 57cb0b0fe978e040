"""The standing cross-organisation matrix (issue 12, "a standing security suite").

Unit A is the realistic demo (every app's demo loader). Unit B is a second unit with its own
agency, company and one person of each role, plus read and write API keys. For every API
operation of the OpenAPI document with a path parameter, and every page URL pattern with an
object parameter, the test finds A's objects that A's staff can open (2xx), then asks as each
of B's principals:

* GET (API and pages): the answer is 404, never 200 and never a 403 that reveals existence.
* Unsafe methods (sessions send a valid CSRF token): the answer is 404, or exactly the answer
  the same principal gets for an id that does not exist (a read-only key's 403, a 405 of a
  GET-only page: they reveal nothing); and the database is unchanged (row counts and the
  latest `updated_at` of every model).

A path parameter whose object kind the test does not know fails the test: a new operation is
covered as soon as it lands. Every failure is collected and reported in one assertion message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Model
from django.test import Client
from django.utils.module_loading import import_string

from civicloop.core import services as core_services
from civicloop.core.demo import load_core_demo
from civicloop.core.models import Organization, OrganizationKind, Person, Role
from civicloop.security_tests.cross_org_support import (
    BY_DESIGN,
    CSRF_TOKEN,
    IDS_PER_GET,
    IDS_PER_WRITE,
    KNOWN_OPEN,
    MISSING_ID,
    PUBLIC_TWIN,
    Failures,
    Principal,
    _api_operations,
    _body,
    _candidates,
    _fill,
    _missing,
    _page_patterns,
    _page_url,
    _params,
    _query,
    seed_personal_objects,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


# -- data -------------------------------------------------------------------------------------


@pytest.fixture
def demo_world(settings, tmp_path):
    """Unit A from the demo loaders; unit B with a person of each role and two API keys."""
    from civicloop.analytics import services as analytics_services

    settings.CIVICLOOP = {
        **settings.CIVICLOOP,
        "EVENT_STORE_DIR": str(tmp_path / "events"),
        "EVENT_FLUSH_INTERVAL_SECONDS": 3600,
    }
    analytics_services.event_store_close()
    ctx: dict[str, Any] = {"orgs": load_core_demo()}
    for path in settings.DEMO_LOADERS:
        import_string(path)(ctx)
    seed_personal_objects(ctx["orgs"].people)
    a_rows = {
        m._meta.label: set(m._default_manager.values_list("pk", flat=True)) for m in _models()
    }

    unit_b = core_services.organization_create(
        actor=None, kind=OrganizationKind.UNIT, name="Other Unit", slug="other-unit"
    )
    agency_b = core_services.organization_create(
        actor=None,
        kind=OrganizationKind.AGENCY,
        name="Other Agency",
        slug="other-agency",
        unit=unit_b,
    )
    company_b = core_services.organization_create(
        actor=None,
        kind=OrganizationKind.COMPANY,
        name="Rival Co",
        slug="rival-co",
        sme_size="small",
    )
    people = {}
    for name, org, role in [
        ("bstaff", unit_b, Role.UNIT_STAFF),
        ("bauditor", unit_b, Role.AUDITOR),
        ("bevaluator", unit_b, Role.EVALUATOR),
        ("bofficial", agency_b, Role.AGENCY_OFFICIAL),
        ("bvendor", company_b, Role.VENDOR),
    ]:
        person = core_services.person_create(email=f"{name}@other.test", password=None)
        core_services.membership_add(actor=None, person=person, organization=org, role=role)
        people[name] = person
    keys = {
        scope: core_services.apikey_create(
            actor=None, organization=unit_b, name=f"B {scope}", scope=scope
        ).secret
        for scope in ("read", "write")
    }
    yield ctx, a_rows, people, keys, unit_b
    analytics_services.event_store_close()


def _models() -> list[type[Model]]:
    return [m for m in apps.get_models() if not m._meta.label.startswith(("sessions.", "axes."))]


def _snapshot() -> dict[str, tuple[int, Any]]:
    """Row count and latest change of every model (sessions and sign-in logs aside)."""
    state = {}
    for model in _models():
        names = {f.name for f in model._meta.concrete_fields}
        if "updated_at" in names:
            agg = model._default_manager.aggregate(n=Count("pk"), last=Max("updated_at"))
            state[model._meta.label] = (agg["n"], agg["last"])
        else:
            state[model._meta.label] = (model._default_manager.count(), None)
    return state


def _diff(before: dict, after: dict) -> list[str]:
    return [
        f"{label} {before[label]} -> {after[label]}"
        for label in before
        if before[label] != after[label]
    ]


def _session(person: Person) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
    return client


def _b_principals(people, keys) -> list[Principal]:
    found = [Principal(name, _session(person)) for name, person in people.items()]
    for scope, secret in keys.items():
        found.append(
            Principal(f"B {scope} key", Client(), {"authorization": f"Bearer {secret}"}, False)
        )
    return found


# -- candidate ids ----------------------------------------------------------------------------


# -- API --------------------------------------------------------------------------------------


def _call(who: Principal, method: str, url: str, kind: str = "none", body: Any = None):
    headers = dict(who.headers)
    if who.session and method != "GET":
        headers["x-csrftoken"] = CSRF_TOKEN
    call = getattr(who.client, method.lower())
    if kind == "json":
        return call(url, data=json.dumps(body), content_type="application/json", headers=headers)
    if kind == "multipart":
        return who.client.post(url, data=body, headers=headers)
    if kind == "form":
        return call(url, data=body or {}, headers=headers)
    return call(url, headers=headers)


def _same_answer(first, second) -> bool:
    """Two answers that tell the caller the same thing (the requested path aside)."""
    if first.status_code != second.status_code:
        return False
    if "json" not in first.get("Content-Type", ""):
        return True
    one, two = json.loads(first.content), json.loads(second.content)
    for body in (one, two):
        if isinstance(body, dict):
            body.pop("instance", None)
    return one == two


def _check_api(schema, a_staff: list[Principal], b, a_rows, failures) -> int:
    probes = 0
    get_ids: dict[str, list[dict]] = {}
    operations = _api_operations(schema)
    for method, path, _operation in operations:
        if method != "GET":
            continue
        combos = _combinations(path, a_rows, failures, ("GET", path))
        query = _query(schema, _operation)
        visible = []
        for values in combos:
            if _opens(a_staff, _fill(path, values) + query):
                visible.append(values)
                if len(visible) == IDS_PER_GET:
                    break
        get_ids[path] = visible
        if not visible and combos:
            failures.lines.append(f"GET {path}: A's people open none of A's objects (cannot test)")
        for values in visible:
            url = _fill(path, values) + query
            public = None
            if path in PUBLIC_TWIN:
                public = Client().get(_fill(PUBLIC_TWIN[path], values) + query)
            for who in b:
                answer = _call(who, "GET", url)
                probes += 1
                if answer.status_code == 404 or _allowed("GET", path, who):
                    continue
                if (
                    public is not None
                    and public.status_code == 200
                    and _same_answer(answer, public)
                ):
                    continue  # exactly what the public twin shows anyone
                failures.add(("GET", path), who.name, f"{url} -> {answer.status_code}")
    for method, path, operation in operations:
        if method == "GET":
            continue
        ids = _write_ids(path, get_ids, a_rows, failures, method)
        kind, body = _body(schema, operation)
        query = _query(schema, operation)
        for values in ids[:IDS_PER_WRITE]:
            url = _fill(path, values) + query
            missing = _fill(path, _missing(values)) + query
            before = _snapshot()
            for who in b:
                answer = _call(who, method, url, kind, body)
                baseline = _call(who, method, missing, kind, body)
                probes += 2
                if _allowed(method, path, who):
                    continue
                if answer.status_code == 404:
                    continue
                if answer.status_code < 300 or not _same_answer(answer, baseline):
                    failures.add(
                        (method, path),
                        who.name,
                        f"{url} -> {answer.status_code} {answer.content[:160]!r} "
                        f"(missing id -> {baseline.status_code})",
                    )
            changed = _diff(before, _snapshot())
            if changed and not any(_allowed(method, path, who) for who in b):
                failures.add((method, path), "B", f"database changed: {changed}")
    return probes


def _opens(a_people: list[Principal], url: str) -> bool:
    """Does one of A's people get 2xx (A's staff first, then the other roles of unit A)?"""
    return any(who.client.get(url).status_code < 300 for who in a_people)


def _allowed(method: str, where: str, who: Principal) -> bool:
    allowed, _why = BY_DESIGN.get((method, where), (set(), ""))
    return who.name in allowed


def _combinations(path: str, a_rows, failures, key) -> list[dict[str, Any]]:
    params = _params(path)
    lists = []
    for param, segment in params:
        values = _candidates(param, segment, a_rows)
        if values is None:
            failures.lines.append(
                f"{key[0]} {key[1]}: unknown object kind of parameter '{param}' after "
                f"'{segment}' (add it to PARAM_MODEL / SEGMENT_MODEL / STRING_PARAMS)"
            )
            return []
        lists.append((param, values[:40]))
    combos: list[dict[str, Any]] = [{}]
    for param, values in lists:
        combos = [{**c, param: v} for c in combos for v in values][:80]
    return combos


def _write_ids(path, get_ids, a_rows, failures, method) -> list[dict]:
    """A's ids for an unsafe operation: those A's staff opened on the nearest GET path."""
    names = [p for p, _ in _params(path)]
    best: list[dict] = []
    for get_path, visible in get_ids.items():
        if (
            visible
            and path.startswith(get_path.split("}")[0] + "}")
            and set(visible[0]) == set(names)
        ):
            best = visible
            break
    return best or _combinations(path, a_rows, failures, (method, path))[:IDS_PER_WRITE]


# -- pages ------------------------------------------------------------------------------------


def _check_pages(a_staff: list[Principal], b, a_rows, failures) -> int:
    probes = 0
    sessions = [who for who in b if who.session]
    for name, route in _page_patterns():
        combos = _combinations(route, a_rows, failures, ("PAGE", name))
        reachable: list[dict[str, Any]] = []
        any_answer: list[dict[str, Any]] = []
        for values in combos:
            url = _page_url(route, values)
            first = a_staff[0].client.get(url).status_code
            if first < 300 or (first != 405 and _opens(a_staff[1:], url)):
                reachable.append(values)
            elif first == 405 and len(any_answer) < IDS_PER_WRITE:
                any_answer.append(values)  # POST-only: A's objects all the same
            if len(reachable) == IDS_PER_GET:
                break
        if not reachable and not any_answer and combos:
            failures.lines.append(f"PAGE {name}: A's people open none of A's objects (cannot test)")
        for values in reachable:
            url = _page_url(route, values)
            public = Client().get(url).status_code == 200  # anyone may read it
            for who in sessions:
                answer = _call(who, "GET", url)
                probes += 1
                if answer.status_code == 404 or _allowed("GET", name, who):
                    continue
                if public and answer.status_code == 200:
                    continue
                failures.add(("GET", name), who.name, f"{url} -> {answer.status_code}")
        for values in (reachable + any_answer)[:IDS_PER_WRITE]:
            url = _page_url(route, values)
            missing = _page_url(
                route, {k: MISSING_ID if isinstance(v, int) else v for k, v in values.items()}
            )
            public = Client().get(url).status_code == 200
            before = _snapshot()
            for who in sessions:
                answer = _call(who, "POST", url, "form", {})
                baseline = _call(who, "POST", missing, "form", {})
                probes += 2
                if answer.status_code == 404 or _allowed("POST", name, who):
                    continue
                if public and answer.status_code == 200:
                    continue  # a public page that renders itself again; no change (below)
                if answer.status_code < 400 or answer.status_code != baseline.status_code:
                    failures.add(
                        ("POST", name),
                        who.name,
                        f"{url} -> {answer.status_code} (missing id -> {baseline.status_code})",
                    )
            changed = _diff(before, _snapshot())
            if changed and not any(_allowed("POST", name, who) for who in sessions):
                failures.add(("POST", name), "B", f"database changed: {changed}")
    return probes


# -- the test ---------------------------------------------------------------------------------


def test_another_organisation_gets_404_on_every_operation_and_page(demo_world):
    from civicloop.api import api

    ctx, a_rows, people, keys, _unit_b = demo_world
    a_people = [
        Principal(f"A {role}", _session(ctx["orgs"].people[role]))
        for role in ("staff", "vendor", "evaluator", "official", "auditor")
    ]
    b = _b_principals(people, keys)
    # The CSRF token the sessions send is accepted (else every unsafe probe would be a 403
    # that says nothing): a page and an API write of B's own get past the CSRF check.
    bstaff = b[0]
    assert _call(bstaff, "POST", "/settings/data-subject-requests/", "form", {}).status_code == 200
    assert _call(bstaff, "POST", "/api/v1/problems", "json", {}).status_code == 422
    failures = Failures()
    schema = api.get_openapi_schema()
    probes = _check_api(schema, a_people, b, a_rows, failures)
    probes += _check_pages(a_people, b, a_rows, failures)
    stale = sorted(set(KNOWN_OPEN) - set(failures.known))
    message = [f"{len(failures.lines)} cross-organisation failures in {probes} probes:"]
    message += failures.lines
    if stale:
        message.append(f"KNOWN_OPEN entries that no longer leak (remove them): {stale}")
    problems = failures.lines + [f"stale KNOWN_OPEN entry {entry}" for entry in stale]
    assert not problems, "\n".join(message)
    assert probes > 500  # the matrix really ran
    assert Organization.objects.filter(kind=OrganizationKind.UNIT).count() == 2
