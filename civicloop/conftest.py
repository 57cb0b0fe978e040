"""Fixtures shared by every app's tests: a unit with an agency, and a person of each role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from civicloop.core.models import Organization, Person, Role
from civicloop.core.permissions import Principal, principal_for_person
from civicloop.core.services import apikey_create
from civicloop.core.tests.factories import (
    AgencyFactory,
    CompanyFactory,
    MembershipFactory,
    PersonFactory,
    UnitFactory,
)


@dataclass
class World:
    """Two units that must not see each other's data, and one person of each role."""

    unit: Organization
    agency: Organization
    other_agency: Organization
    company: Organization
    other_unit: Organization
    other_unit_agency: Organization
    people: dict[str, Person]

    def principal(self, role: str) -> Principal:
        return principal_for_person(self.people[role])

    def client(self, role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(self.people[role])
        return client

    def api_key(self, scope: str = "write", org: Organization | None = None) -> str:
        return apikey_create(
            actor=None, organization=org or self.unit, name="test", scope=scope
        ).secret


ROLES = ["staff", "official", "other_official", "evaluator", "vendor", "auditor", "outsider"]


@pytest.fixture
def world(db) -> World:
    unit = UnitFactory.create(name="Test Unit", slug="test-unit")
    agency = AgencyFactory.create(unit=unit, name="Housing Agency", slug="housing")
    other_agency = AgencyFactory.create(unit=unit, name="Transport Office", slug="transport")
    company = CompanyFactory.create(name="Startup Ltd", slug="startup")
    other_unit = UnitFactory.create(name="Other Unit", slug="other-unit")
    other_unit_agency = AgencyFactory.create(
        unit=other_unit, name="Other Agency", slug="other-agency"
    )
    memberships = {
        "staff": (unit, Role.UNIT_STAFF),
        "official": (agency, Role.AGENCY_OFFICIAL),
        "other_official": (other_agency, Role.AGENCY_OFFICIAL),
        "evaluator": (unit, Role.EVALUATOR),
        "vendor": (company, Role.VENDOR),
        "auditor": (unit, Role.AUDITOR),
        "outsider": (other_unit, Role.UNIT_STAFF),
    }
    people: dict[str, Person] = {}
    for key, (org, role) in memberships.items():
        person = PersonFactory.create(email=f"{key}@example.org")
        MembershipFactory.create(person=person, organization=org, role=role)
        people[key] = person
    return World(unit, agency, other_agency, company, other_unit, other_unit_agency, people)


# Browser fixtures (Playwright + Debian's chromium + axe), shared by every app's browser tests.
@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache. allauth counts sign-ins per address (30 a minute)
    and failures per login in it, so a process that ran many sign-in tests within a minute made
    the next one's sign-in answer the form again (order-dependent under xdist)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. LocaleMiddleware activates a request's
    language for the thread and leaves it active, so a Spanish page in one test would otherwise
    make the next test's gettext Spanish (order-dependent under xdist)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def wsgi_app():
    """Django's WSGI application for tools that call it directly (Schemathesis).

    Like Django's test client, it keeps the test's database connection open across requests:
    the request_started/finished signals would otherwise close it (on PostgreSQL, mid-test).
    """
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def run_task_worker(monkeypatch):
    """Run django-tasks-db's worker once over the queued tasks, inside the test's transaction.

    The worker calls close_old_connections() on each wake-up; inside a test's atomic block that
    closes the connection on PostgreSQL (autocommit differs from the settings), so it is a no-op
    here, as Django's test client makes it for requests.
    """
    from django.core.management import call_command

    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run() -> None:
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    return run


from civicloop.web.tests.browser import browser, page  # noqa: E402, F401
