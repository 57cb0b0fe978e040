"""Preferences, the daily digest, the signed unsubscribe link, the notifications page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from civicloop.notifications import services
from civicloop.notifications.models import Notification, NotificationPreference
from civicloop.notifications.notices import Notice


def _tell(person, n: int = 1, kind: str = "question_answered") -> None:
    for i in range(n):
        services.notify(
            notices=[Notice(kind, [person.pk], {"title": f"Challenge {i}"}, "/market/")],
            source=f"test:{i}",
        )


@pytest.mark.django_db
def test_a_source_tells_a_person_once(world):
    vendor = world.people["vendor"]
    _tell(vendor)
    _tell(vendor)
    assert Notification.objects.filter(person=vendor).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_digest_sends_one_mail_with_everything_new_then_nothing(world):
    vendor = world.people["vendor"]
    services.preferences_update(actor=world.principal("vendor"), email_mode="digest")
    _tell(vendor, 3)
    assert mail.outbox == []  # digest mode: no mail per notification
    assert services.digest_send() == 1
    (digest,) = mail.outbox
    assert digest.to == [vendor.email] and "3" in digest.subject
    assert all(f"Challenge {i}" in digest.body for i in range(3))
    assert services.digest_send() == 0


@pytest.mark.django_db
def test_digest_in_spanish_for_a_spanish_reader(world):
    vendor = world.people["vendor"]
    vendor.preferred_language = "es"
    vendor.save()
    services.preferences_update(actor=world.principal("vendor"), email_mode="digest")
    _tell(vendor, 2)
    services.digest_send()
    assert mail.outbox[0].subject == "Su resumen diario: 2 notificación(es) nueva(s)"
    assert "Se ha respondido" not in mail.outbox[0].body  # the sentence, not the subject
    assert "La unidad ha respondido a la pregunta que hizo sobre Challenge 0" in mail.outbox[0].body


@pytest.mark.django_db
def test_unsubscribe_link_in_the_mail_stops_that_kind_without_signing_in(world, client):
    vendor = world.people["vendor"]
    _tell(vendor)
    found = re.search(r"/notifications/unsubscribe/[^/\s]+/", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(0)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 200
    pref = NotificationPreference.objects.get(person=vendor)
    assert pref.kind_modes == {"question_answered": "in_app"}
    mail.outbox.clear()
    _tell(vendor, 2)
    assert mail.outbox == []  # still listed in-app
    assert Notification.objects.filter(person=vendor).count() == 2


@pytest.mark.django_db
def test_a_forged_or_altered_unsubscribe_link_does_nothing(world, client):
    token = services.unsubscribe_token(world.people["vendor"].pk, "all")
    other = services.unsubscribe_token(world.people["staff"].pk, "all")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/notifications/unsubscribe/{forged}/").status_code == 404
    # Another person's payload under this token's signature (ids differ, so payloads differ).
    payload, signature = other.rsplit(":", 1)[0], token.rsplit(":", 1)[1]
    assert payload != token.rsplit(":", 1)[0]
    spliced = f"{payload}:{signature}"
    assert client.post(f"/notifications/unsubscribe/{spliced}/").status_code == 404
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_the_page_lists_only_one_s_own_notifications_with_an_unread_count(world):
    _tell(world.people["vendor"], 2)
    _tell(world.people["staff"], 1, kind="obstacle_overdue")
    vendor = world.client("vendor")
    page = vendor.get("/notifications/").content.decode()
    assert "Challenge 0" in page and "Challenge 1" in page and "Obstacle overdue" not in page
    assert "2 unread" in vendor.get("/notifications/unread/").content.decode()
    vendor.post("/notifications/")
    assert "unread" not in vendor.get("/notifications/unread/").content.decode().replace(
        "none unread", ""
    )


@pytest.mark.django_db
def test_follow_needs_the_object_in_scope(world):
    from civicloop.scaling import services as scaling

    sandbox = scaling.sandbox_apply(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Drone deliveries",
        public_summary="Medicines by drone to villages.",
        regulator="Aviation authority",
    )
    data = {"type": "sandbox", "id": sandbox.pk}
    assert world.client("outsider").post("/notifications/follow/", data).status_code == 404
    assert world.client("auditor").post("/notifications/follow/", data).status_code == 302


@pytest.mark.django_db
def test_settings_page_saves_and_names_the_field_on_bad_input(world):
    client = world.client("vendor")
    assert client.get("/notifications/settings/").status_code == 200
    bad = client.post("/notifications/settings/", {"email_mode": "hourly"})
    assert bad.status_code == 422 and "email_mode" in bad.content.decode()
    ok = client.post("/notifications/settings/", {"email_mode": "digest", "mode_award": "in_app"})
    assert ok.status_code == 302
    pref = NotificationPreference.objects.get(person=world.people["vendor"])
    assert pref.email_mode == "digest" and pref.kind_modes == {"award": "in_app"}
    assert Client().get("/notifications/settings/").status_code == 302  # sign in first
