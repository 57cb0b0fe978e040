"""Data subject rights (issue 12, finding 10; review F15): erasure leaves no copy of a person's
e-mail anywhere in the database, it is run from a page by the unit's staff with a report of
what was removed or kept, and a person downloads their own data."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.utils import timezone

from civicloop.core.audit import audit_verify
from civicloop.core.models import AuditEvent, Person, Role
from civicloop.core.tests.factories import MembershipFactory, PersonFactory
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling import services as scaling_services

PASSWORD = "correct-horse-battery"  # noqa: S105 - the factories' test password
EMAIL = "zoe.quill@example.org"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)


def rows_naming(needle: str) -> list[str]:
    """Every (model, field, pk) whose stored text contains `needle`, over every installed model."""
    needle = needle.lower()
    hits = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._default_manager.values_list("pk", *[f.attname for f in fields]):
            for f, value in zip(fields, row[1:], strict=True):
                if value is not None and needle in json.dumps(value, default=str).lower():
                    hits.append(f"{model._meta.label}.{f.name} pk={row[0]}")
    return hits


@pytest.fixture
def zoe(world):
    """An official of the unit's agency who signed in, mistyped, enrolled a device and owns an
    obstacle: her e-mail is now in sign-in logs, sessions, allauth and admin history."""
    cache.clear()  # allauth counts failed sign-ins per login in the cache, across tests
    person = PersonFactory.create(email=EMAIL, full_name="")
    MembershipFactory.create(person=person, organization=world.agency, role=Role.AGENCY_OFFICIAL)
    for _ in range(2):  # from another address, so the later success does not reset them
        Client(REMOTE_ADDR="192.0.2.9").post("/accounts/login/", {"login": EMAIL, "password": "x"})
    signed_in = Client()
    signed_in.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert signed_in.get("/settings/my-data/").status_code == 200
    AccessFailureLog.objects.create(
        username=EMAIL,
        ip_address="192.0.2.7",
        user_agent="probe",
        http_accept="*/*",
        path_info="/accounts/login/",
        locked_out=False,
    )
    EmailAddress.objects.get_or_create(user=person, email=EMAIL, primary=True, verified=True)
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": "x"})
    LogEntry.objects.create(
        user=world.people["staff"],
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message=f"Changed email of {EMAIL}",
    )
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    scaling_services.obstacle_create(
        actor=world.principal("staff"),
        problem=problem,
        kind="regulation",
        title="Signature rule",
        severity=3,
        likelihood=3,
        owner=person,
    )
    assert AccessLog.objects.filter(username=EMAIL).exists()
    assert AccessAttempt.objects.filter(username=EMAIL).exists()
    assert Session.objects.exists()
    return person


def test_erasure_from_the_page_leaves_the_email_in_no_table(world, zoe):
    """F15: after erasure no text field of any model holds the e-mail (axes logs included)."""
    assert rows_naming(EMAIL), "the scenario must have spread the e-mail around"
    staff = world.client("staff")
    found = staff.get("/settings/data-subject-requests/", {"email": EMAIL.upper()})
    assert found.status_code == 200
    erase_url = f"/settings/data-subject-requests/people/{zoe.pk}/erase/"
    assert erase_url in found.content.decode()
    assert staff.get(erase_url).status_code == 200

    refused = staff.post(erase_url, {"confirm_email": "someone@example.org"})
    assert refused.status_code == 200
    assert "Type the person" in refused.content.decode()
    assert Person.objects.get(pk=zoe.pk).email == EMAIL  # nothing erased without confirmation

    report = staff.post(erase_url, {"confirm_email": EMAIL})
    assert report.status_code == 200
    page = report.content.decode()
    for line in (
        "sign-in history entries",
        "failed sign-in attempts",
        "failed sign-in log entries",
        "sessions",
        "two-factor authenticators",
        "admin-site history entries",
        "roles in organisations",
        "kept for legal retention",
        f"Erased person #{zoe.pk}",
    ):
        assert line in page, line

    assert rows_naming(EMAIL) == []
    assert rows_naming("zoe.quill") == []
    assert not AccessLog.objects.filter(username__iexact=EMAIL).exists()
    assert not Session.objects.exists() or all(
        s.get_decoded().get("_auth_user_id") != str(zoe.pk) for s in Session.objects.all()
    )
    zoe.refresh_from_db()
    assert not zoe.is_active
    assert not zoe.has_usable_password()
    assert zoe.display_name == f"Erased person #{zoe.pk}"
    event = AuditEvent.objects.filter(action="core.person_erased").get()
    assert event.organization_id == world.unit.pk
    assert event.metadata["report"]
    assert EMAIL not in json.dumps(event.metadata)
    assert audit_verify().ok
    # The erased person can no longer sign in, and is no longer found.
    assert Client().post(
        "/accounts/login/", {"login": EMAIL, "password": PASSWORD}
    ).status_code in (
        200,
        429,
    )
    assert staff.get(erase_url).status_code == 404


def test_erasure_keeps_procurement_and_audit_records_under_the_pseudonym(world, zoe):
    staff = world.client("staff")
    staff.post(f"/settings/data-subject-requests/people/{zoe.pk}/erase/", {"confirm_email": EMAIL})
    obstacle = apps.get_model("scaling", "Obstacle").objects.get(owner=zoe)
    assert obstacle.owner_name == f"Erased person #{zoe.pk}"
    assert (
        world.client("staff")
        .get("/scaling/obstacles/")
        .content.decode()
        .count(f"Erased person #{zoe.pk}")
        >= 1
    )


@pytest.mark.parametrize("role", ["outsider", "vendor", "auditor", "evaluator", "official"])
def test_only_the_units_staff_reach_the_erasure_and_others_get_404(world, zoe, role):
    client = world.client(role)
    url = f"/settings/data-subject-requests/people/{zoe.pk}/erase/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm_email": EMAIL}).status_code == 404
    assert Person.objects.get(pk=zoe.pk).email == EMAIL
    hub = client.get("/settings/data-subject-requests/", {"email": EMAIL})
    if role == "outsider":  # staff of another unit: their own hub, where Zoe is not found
        assert hub.status_code == 200
        assert url not in hub.content.decode()
    else:
        assert hub.status_code == 404


@pytest.mark.parametrize("target", ["outsider", "vendor", "staff"])
def test_people_of_another_unit_vendors_and_oneself_cannot_be_erased(world, target):
    person = world.people[target]
    client = world.client("staff")
    url = f"/settings/data-subject-requests/people/{person.pk}/erase/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm_email": person.email}).status_code == 404
    assert Person.objects.get(pk=person.pk).email == person.email
    listing = client.get("/settings/data-subject-requests/", {"email": person.email})
    assert url not in listing.content.decode()


def test_a_person_of_two_units_is_not_erasable_by_either(world):
    person = world.people["official"]
    MembershipFactory.create(person=person, organization=world.other_unit, role=Role.AUDITOR)
    url = f"/settings/data-subject-requests/people/{person.pk}/erase/"
    assert world.client("staff").get(url).status_code == 404
    assert world.client("outsider").get(url).status_code == 404


def test_the_page_links_the_respondent_erasure(world):
    page = world.client("staff").get("/settings/data-subject-requests/").content.decode()
    assert "/feedback/erase/" in page


def test_respondent_erasure_is_confirmed_scoped_to_the_unit_and_audited_without_the_id(world):
    """A respondent's erasure (/feedback/erase/) has the person erasure's shape: find, confirm
    by typing the id again, report; another unit's responses under the same id stay, uncounted;
    the audit event has counts only."""
    from civicloop.feedback import services as feedback_services
    from civicloop.feedback.models import Response

    surveys = {}
    for role, unit in (("staff", world.unit), ("outsider", world.other_unit)):
        surveys[role] = feedback_services.survey_create(
            actor=world.principal(role),
            unit=unit,
            title={"en": f"Survey of {unit.name}"},
            templates=["govuk"],
            consent={"en": "Anonymous."},
        )
        for i in range(2 if role == "staff" else 3):
            feedback_services.response_submit(
                survey=surveys[role],
                answers={"satisfaction": 3},
                channel="api",
                respondent_id="resp-4711",
                client=f"{role}{i}",
            )
    staff = world.client("staff")
    found = staff.post("/feedback/erase/", {"respondent_id": "resp-4711"}).content.decode()
    assert "2 responses would be erased" in found
    assert "Other Unit" not in found
    refused = staff.post(
        "/feedback/erase/", {"respondent_id": "resp-4711", "confirm_respondent_id": "resp-47"}
    )
    assert "Type the respondent id exactly as above" in refused.content.decode()
    assert Response.objects.count() == 5
    report = staff.post(
        "/feedback/erase/", {"respondent_id": "resp-4711", "confirm_respondent_id": "resp-4711"}
    ).content.decode()
    assert "survey responses under the respondent id" in report
    assert Response.objects.filter(survey=surveys["staff"]).count() == 0
    assert Response.objects.filter(survey=surveys["outsider"]).count() == 3
    event = AuditEvent.objects.get(action="feedback.respondent_erased")
    assert event.organization_id == world.unit.pk
    assert event.metadata["responses"] == 2
    assert "4711" not in json.dumps([event.metadata, event.before, event.after], default=str)
    assert audit_verify().ok


def test_signin_logs_past_retention_are_purged(world, settings):
    settings.CIVICLOOP_SIGNIN_LOG_RETENTION_DAYS = 30
    cache.clear()
    Client(REMOTE_ADDR="192.0.2.9").post(
        "/accounts/login/", {"login": "staff@example.org", "password": "wrong"}
    )
    world.client(None).post(
        "/accounts/login/", {"login": "staff@example.org", "password": PASSWORD}
    )
    old = timezone.now() - timedelta(days=31)
    for model in (AccessLog, AccessAttempt):
        assert model.objects.exists()
        model.objects.update(attempt_time=old)
    AccessFailureLog.objects.create(
        username="staff@example.org",
        user_agent="x",
        http_accept="*/*",
        path_info="/",
        locked_out=False,
    )
    recent = AccessLog.objects.create(
        username="auditor@example.org", user_agent="x", http_accept="*/*", path_info="/"
    )
    AccessFailureLog.objects.update(attempt_time=old)
    call_command("purge_signin_logs", verbosity=0)
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.exists()
    event = AuditEvent.objects.get(action="core.signin_logs_purged")
    assert event.metadata["rows"] >= 3


def test_the_operator_erases_a_vendor_by_command(world):
    vendor = world.people["vendor"]
    out = StringIO()
    call_command("erase_person", "VENDOR@example.org", "--yes", stdout=out)
    assert f"Erased person #{vendor.pk}" in out.getvalue()
    assert rows_naming("vendor@example.org") == []
    with pytest.raises(CommandError, match="No person"):
        call_command("erase_person", "nobody@example.org", "--yes")
