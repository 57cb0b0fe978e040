"""A mode per notification kind (issue 16): e-mail, daily summary, the app only, or not at all;
kinds with no mode of their own follow the default e-mail mode; older "muted" settings move."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.core import mail

from civicloop.notifications import services
from civicloop.notifications.models import Notification, NotificationPreference
from civicloop.notifications.notices import Notice

pytestmark = pytest.mark.django_db


def _tell(person, kind: str, source: str) -> list[Notification]:
    notice = Notice(kind, [person.pk], {"title": "Street lights", "code": "P-1"}, "/market/")
    return services.notify(notices=[notice], source=source)


def test_each_kind_goes_where_its_own_mode_says(world):
    vendor = world.people["vendor"]
    services.preferences_update(
        actor=world.principal("vendor"),
        email_mode="digest",
        kind_modes={"award": "immediate", "unsuccessful": "off", "proposal_receipt": "in_app"},
    )
    mail.outbox.clear()
    _tell(vendor, "award", "a")  # its own mode: an e-mail now
    assert [m.to for m in mail.outbox] == [[vendor.email]]
    assert _tell(vendor, "unsuccessful", "b") == []  # off: not even listed
    _tell(vendor, "proposal_receipt", "c")  # the app only
    _tell(vendor, "question_answered", "d")  # no mode of its own: the default, the digest
    assert len(mail.outbox) == 1
    assert set(Notification.objects.filter(person=vendor).values_list("kind", flat=True)) == {
        "award",
        "proposal_receipt",
        "question_answered",
    }
    assert services.digest_send() == 1
    digest = mail.outbox[-1]
    # the digest holds the kinds in digest mode only (not the app-only receipt)
    assert digest.subject == "Your daily summary: 1 new notification(s)"
    assert Notification.objects.get(kind="question_answered").digested_at is not None
    assert Notification.objects.get(kind="proposal_receipt").digested_at is None


def test_the_settings_page_sets_a_mode_per_kind_and_shows_it_again(world):
    client = world.client("vendor")
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="mode_award"' in page and 'name="mode_evaluation_unassigned"' in page
    saved = client.post(
        "/notifications/settings/",
        {"email_mode": "immediate", "mode_deadline_approaching": "off", "mode_award": ""},
    )
    assert saved.status_code == 302
    pref = NotificationPreference.objects.get(person=world.people["vendor"])
    assert pref.kind_modes == {"deadline_approaching": "off"}
    again = client.get("/notifications/settings/").content.decode()
    select = again.split('name="mode_deadline_approaching"', 1)[1].split("</select>", 1)[0]
    assert 'value="off" selected' in select
    bad = client.post("/notifications/settings/", {"email_mode": "immediate", "mode_award": "loud"})
    assert bad.status_code == 422 and "mode_award" in bad.content.decode()


def test_the_api_sets_modes_per_kind_and_names_the_field_on_bad_input(world):
    client = world.client("vendor")

    def put(body):
        return client.put(
            "/api/v1/notifications/preferences", json.dumps(body), content_type="application/json"
        )

    changed = put(
        {"email_mode": "immediate", "kind_modes": {"award": "digest", "sandbox_status": "off"}}
    )
    assert changed.status_code == 200
    kinds = {k["kind"]: k for k in changed.json()["kinds"]}
    assert kinds["award"] == {**kinds["award"], "mode": "digest", "own": True, "digest": True}
    assert (kinds["sandbox_status"]["in_app"], kinds["sandbox_status"]["mode"]) == (False, "off")
    assert kinds["unsuccessful"]["mode"] == "immediate" and not kinds["unsuccessful"]["own"]
    bad = put({"email_mode": "immediate", "kind_modes": {"award": "loud"}})
    assert bad.status_code == 422
    assert "kind_modes" in bad.json()["errors"][0]["field"]
    pref = NotificationPreference.objects.get(person=world.people["vendor"])
    assert pref.kind_modes == {"award": "digest", "sandbox_status": "off"}  # nothing half-written


def test_migration_moves_muted_kinds_to_the_app_only_mode(world):
    vendor, staff = world.people["vendor"], world.people["staff"]
    NotificationPreference.objects.create(
        person=vendor, email_mode="digest", muted_kinds=["award", "unsuccessful"]
    )
    NotificationPreference.objects.create(person=staff, email_mode="off")
    before = {
        kind: NotificationPreference.objects.get(person=vendor).mode_for(kind)
        for kind in ("award", "unsuccessful", "question_answered")
    }
    migration = importlib.import_module(
        "civicloop.notifications.migrations.0005_muted_kinds_to_kind_modes"
    )
    migration.forwards(apps, None)
    moved = NotificationPreference.objects.get(person=vendor)
    assert moved.muted_kinds == []
    assert moved.kind_modes == {"award": "in_app", "unsuccessful": "in_app"}
    # what each kind does is unchanged by the move
    assert (
        {k: moved.mode_for(k) for k in before}
        == before
        == {
            "award": "in_app",
            "unsuccessful": "in_app",
            "question_answered": "digest",
        }
    )
    assert NotificationPreference.objects.get(person=staff).mode_for("award") == "in_app"
