"""Every list a person can open costs the same number of queries with 20 rows as with 60.

The route sweep enumerates every page without a path argument and every API list (a url with
`{name}` parameters is pinned with the ids its seeder answers), so a new
list fails here until it is pinned (a seeder below, or a test elsewhere named in
PINNED_ELSEWHERE) or named as not a list with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from civicloop.analytics.models import Metric
from civicloop.core.audit import audit_record
from civicloop.core.tests.factories import PersonFactory
from civicloop.feedback.models import Survey
from civicloop.market.models import Challenge, ChallengeStatus, VendorSubscription
from civicloop.participation.models import Citizen, Proposal, ProposalStatus
from civicloop.portfolio.models import Stage
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling.models import ReplicationPlan, Sandbox, SandboxStatus, ScalabilityAssessment
from civicloop.web.tests import list_seeders as seeders
from civicloop.web.tests.paging import page_queries

ROOT = Path(__file__).resolve().parents[3]


def _challenges(world, start: int, n: int) -> None:
    now = timezone.now()
    Challenge.objects.bulk_create(
        Challenge(
            unit=world.unit,
            title=f"Challenge {i:03d}",
            context="Context.",
            status=ChallengeStatus.OPEN,
            published_at=now,
            submission_deadline=now + timedelta(days=10 + i),
            sealed_until=now + timedelta(days=10 + i),
        )
        for i in range(start, start + n)
    )


def _problems(world, start: int, n: int, **kwargs) -> None:
    for i in range(start, start + n):
        ProblemFactory.create(
            unit=world.unit, owner_agency=world.agency, title=f"Problem {i:03d}", **kwargs
        )


def _published_problems(world, start: int, n: int) -> None:
    _problems(world, start, n, published=True, published_at=timezone.now())


def _sandboxes(world, start: int, n: int) -> None:
    Sandbox.objects.bulk_create(
        Sandbox(
            unit=world.unit,
            title=f"Sandbox {i:03d}",
            slug=f"sandbox-{i:03d}",
            public_summary="Summary.",
            regulator="Regulator",
            published=True,
            status=SandboxStatus.ACTIVE,
            starts_on=date(2026, 1, 1),
        )
        for i in range(start, start + n)
    )


def _surveys(world, start: int, n: int) -> None:
    Survey.objects.bulk_create(
        Survey(unit=world.unit, slug=f"survey-{i:03d}") for i in range(start, start + n)
    )


def _scaling(world, start: int, n: int) -> None:
    _problems(world, start, n, stage=Stage.SCALING)
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    ReplicationPlan.objects.bulk_create(
        ReplicationPlan(
            problem=problem, title=f"Plan {i:03d}", benefit=1.0, benefit_std_error=0.5, tau=0.1
        )
        for i in range(start, start + n)
    )
    ScalabilityAssessment.objects.bulk_create(
        ScalabilityAssessment(problem=problem, title=f"Assessment {i:03d}")
        for i in range(start, start + n)
    )


def _metrics(world, start: int, n: int) -> None:
    Metric.objects.bulk_create(
        Metric(
            unit=world.unit,
            key=f"metric-{i:03d}",
            name=f"Metric {i:03d}",
            source="sites",
            aggregation="",
        )
        for i in range(start, start + n)
    )


def _citizen_proposals(world, start: int, n: int) -> None:
    citizen = Citizen.objects.filter(display_name="Pinned").first() or Citizen.objects.create(
        person=PersonFactory.create(), display_name="Pinned", email_key=f"key-{start}"
    )
    Proposal.objects.bulk_create(
        Proposal(
            unit=world.unit,
            author=citizen,
            kind="idea",
            title=f"Proposal {i:03d}",
            body="Body.",
            language="en",
            status=ProposalStatus.PUBLISHED,
        )
        for i in range(start, start + n)
    )


def _subscribed_challenges(world, start: int, n: int) -> None:
    """Open challenges the world's company's subscription matches (each says "Challenge")."""
    VendorSubscription.objects.get_or_create(
        organization=world.company, defaults={"keywords": ["challenge"]}
    )
    _challenges(world, start, n)


def _audit_events(world, start: int, n: int) -> None:
    for _ in range(n):
        audit_record(actor=None, action="problem.updated", organization=world.unit)


Seeder = Callable[..., dict[str, int] | None]

# url -> (role, seeder of n rows starting at a number; it answers the url's path parameters)
PINS: dict[str, tuple[str | None, Seeder]] = {
    "/market/": ("staff", _challenges),
    "/public/challenges/": (None, _challenges),
    "/public/problems/": (None, _published_problems),
    "/public/sandboxes/": (None, _sandboxes),
    "/scaling/registry/": (None, _sandboxes),
    "/evidence/": ("staff", _problems),
    "/feedback/": ("staff", _surveys),
    "/scaling/": ("staff", _scaling),
    "/analytics/": ("staff", _metrics),
    "/participate/": (None, _citizen_proposals),
    "/participate/staff/": ("staff", _citizen_proposals),
    "/audit/": ("staff", _audit_events),
    "/audit/?oldest=1": ("staff", _audit_events),
    "/api/v1/market/public/challenges": (None, _challenges),
    "/api/v1/market/challenges": ("staff", _challenges),
    "/api/v1/market/matched-challenges": ("vendor", _challenges),
    "/api/v1/market/vendor-subscription/challenges": ("vendor", _subscribed_challenges),
    "/api/v1/metrics": ("staff", _metrics),
    "/api/v1/surveys": ("staff", _surveys),
    "/api/v1/scaling/plans": ("staff", _scaling),
    "/api/v1/scaling/assessments": ("staff", _scaling),
    "/api/v1/scaling/registry": (None, _sandboxes),
    "/api/v1/scaling/sandboxes": ("staff", _sandboxes),
    "/api/v1/participation/proposals": (None, _citizen_proposals),
    "/public/results/": (None, seeders.summaries),
    "/public/awards/": (None, seeders.awards),
    "/public/manage/summaries/": ("staff", seeders.staff_summaries),
    "/api/v1/target-groups": ("staff", seeders.target_groups),
    "/api/v1/kpis": ("staff", seeders.kpis),
    "/api/v1/kpis/{kpi_id}/measurements": ("staff", seeders.measurements),
    "/api/v1/market/needs": ("staff", seeders.needs),
    "/api/v1/market/vendors": ("staff", seeders.vendors),
    "/api/v1/market/proposals": ("staff", seeders.proposals),
    "/api/v1/market/contracts": ("staff", seeders.contracts),
    "/api/v1/market/challenges/{challenge_id}/rfi-responses": ("staff", seeders.rfi_responses),
    "/api/v1/experiments": ("staff", seeders.experiments),
    "/api/v1/services": ("staff", seeders.services),
    "/api/v1/evidence/effects": ("staff", seeders.effects),
    "/api/v1/scaling/obstacles": ("staff", seeders.obstacles),
    "/api/v1/scaling/replications": ("staff", seeders.replications),
    "/api/v1/scaling/lessons": ("staff", seeders.lessons),
    "/api/v1/people/organizations": ("staff", seeders.organizations),
    "/api/v1/people/memberships": ("staff", seeders.memberships),
    "/api/v1/invitations": ("staff", seeders.invitations),
    "/api/v1/notifications": ("staff", seeders.notifications),
    "/api/v1/notifications/follows": ("staff", seeders.follows),
    "/api/v1/notifications/webhooks": ("staff", seeders.webhooks),
    "/api/v1/notifications/webhooks/{webhook_id}/deliveries": ("staff", seeders.deliveries),
}

# Lists pinned by a test elsewhere: the file must request the url.
PINNED_ELSEWHERE = {
    "/portfolio/": "civicloop/portfolio/tests/test_pagination.py",
    "/market/needs/": "civicloop/market/tests/test_pagination.py",
    "/market/vendors/": "civicloop/market/tests/test_pagination.py",
    "/scaling/obstacles/": "civicloop/scaling/tests/test_pagination.py",
    "/scaling/lessons/": "civicloop/scaling/tests/test_pagination.py",
    "/experiments/": "civicloop/experiments/tests/test_permissions.py",
    "/people/": "civicloop/people/tests/test_views.py",
    "/api/v1/problems": "civicloop/portfolio/tests/test_pagination.py",
}

NOT_A_LIST = {
    "/": "the signed-in home: counts and links",
    "/healthz": "probe",
    "/livez": "probe",
    "/readyz": "probe",
    "/metrics": "Prometheus text",
    "/i18n/setlang/": "language switch",
    "/portfolio/new/": "form",
    "/portfolio/import/": "form",
    "/portfolio/target-groups/new/": "form",
    "/market/needs/merge/": "form",
    "/market/challenges/new/": "form",
    "/market/company/": "one company's dashboard",
    "/market/register/": "form",
    "/market/vendor/": "one company's profile and its matches among open challenges",
    "/market/vendor/subscription/": "form",
    "/market/metrics/": "aggregates (issue 17 item 3)",
    "/analytics/metrics/new/": "form",
    "/analytics/settings/warehouse/": "form",
    "/experiments/services/new/": "form",
    "/feedback/new/": "form",
    "/feedback/erase/": "form",
    "/feedback/make-up/": "aggregates (issue 17 item 3)",
    "/feedback/export/": "streamed export",
    "/scaling/assessments/new/": "form",
    "/scaling/obstacles/new/": "form",
    "/scaling/sandboxes/new/": "form",
    "/scaling/lessons/new/": "form",
    "/settings/my-data/": "one person's data",
    "/settings/data-subject-requests/": "form and one person's requests",
    "/people/invite/": "form",
    "/people/company/invite/": "form",
    "/people/invitations/": "paged like /people/ (people_list's Paginator, 50 a page)",
    "/people/organisations/": "the organisations one administrator manages",
    "/people/join/": "form",
    "/public/": "the portal's front page: the latest few of each kind",
    "/public/challenges/feed/": "Atom feed of the latest items (FEED_ITEMS)",
    "/public/problems/feed/": "Atom feed of the latest items (FEED_ITEMS)",
    "/public/results/feed/": "Atom feed of the latest items (FEED_ITEMS)",
    "/public/awards/feed/": "Atom feed of the latest items (FEED_ITEMS)",
    "/public/sandboxes/feed/": "Atom feed of the latest items (FEED_ITEMS)",
    "/public/open-data/": "the fixed catalogue of data sets",
    "/participate/signup/": "form",
    "/participate/propose/": "form",
    "/participate/mine/": "one citizen's own proposals and comments",
    "/participate/staff/settings/": "form",
    "/notifications/": "paged (25 a page) by notification_list",
    "/notifications/unread/": "a count",
    "/notifications/settings/": "form",
    "/notifications/follow/": "form",
    "/notifications/follow/button/": "a button",
    "/notifications/webhooks/": "one organisation's few endpoints",
    "/settings/api-keys/": "one person's keys",
    "/settings/account/": "form",
    "/settings/prioritisation/": "form",
}

SKIPPED_PREFIXES = ("/admin/", "/accounts/", "/api/")


def _web_routes() -> set[str]:
    def walk(patterns, prefix: str = ""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    routes = {"/" + r for r in walk(get_resolver().url_patterns)}
    return {r for r in routes if "<" not in r and not r.startswith(SKIPPED_PREFIXES)}


def _api_lists() -> set[str]:
    from civicloop.api import api

    schema = api.get_openapi_schema()
    return {
        path
        for path, ops in schema["paths"].items()
        if "get" in ops and any(p["name"] == "limit" for p in ops["get"].get("parameters", []))
    }


def test_every_list_route_is_pinned_or_named_not_a_list():
    named = {u.split("?")[0] for u in PINS} | set(PINNED_ELSEWHERE) | set(NOT_A_LIST)
    unnamed = (_web_routes() | _api_lists()) - named
    assert not unnamed, f"pin these lists (or say why they are not lists): {sorted(unnamed)}"
    for url, path in PINNED_ELSEWHERE.items():
        assert url in (ROOT / path).read_text(), (url, path)


@pytest.mark.parametrize("url", sorted(PINS))
def test_a_list_page_costs_the_same_queries_at_three_times_the_rows(world, url):
    role, seed = PINS[url]
    client = world.client(role)
    path = url.format(**(seed(world, 0, 20) or {}))
    small, _ = page_queries(client, path)
    seed(world, 20, 40)
    large, html = page_queries(client, path)
    assert large == small, (url, small, large)
    if url.startswith("/api/"):
        assert json.loads(html)["count"] >= 60, url
    elif "oldest" not in url:
        assert "Page 1 of " in html or "Older entries" in html, url
