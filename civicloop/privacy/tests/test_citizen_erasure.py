"""Issue 16, "nothing personal is ever public": erasing a citizen leaves their display name and
e-mail address in no table, their published words under "a former participant", support
counts that count only people who still stand behind them, and no notifications; the export
holds what they proposed, wrote, supported and followed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from civicloop.notifications import services as notification_services
from civicloop.notifications.models import Follow as NoticeFollow
from civicloop.notifications.models import Notification, NotificationPreference
from civicloop.participation import services
from civicloop.participation.models import Citizen, Follow, Proposal, Support
from civicloop.participation.tests.conftest import make_citizen, published
from civicloop.security_tests.test_data_subject_rights import rows_naming

EMAIL = "Zoe.Kayak+civic@example.net"
KEY = "zoe.kayak@example.net"  # the normalised address the citizen profile keeps
NAME = "Zoe Riverbank Kayak"


@pytest.fixture
def zoe(world):
    """A citizen who proposed, supported, commented, appealed, followed and was notified."""
    zoe = make_citizen(EMAIL, name=NAME)
    bob = make_citizen("bob@example.net", name="Bob")
    cleo = make_citizen("cleo@example.net", name="Cleo")
    staff = world.principal("staff")
    services.participation_settings_update(
        actor=staff, unit=world.unit, support_threshold=2, answer_days=30
    )
    own = published(world, zoe, title="Bins are not emptied on Sundays")
    theirs = published(world, bob, title="The park gate is locked at noon")
    services.support_add(actor=zoe, proposal=theirs)
    services.support_add(actor=cleo, proposal=theirs)
    services.support_add(actor=bob, proposal=own)
    services.follow_set(actor=zoe, proposal=theirs, following=True)
    comment = services.comment_submit(
        actor=zoe, proposal=theirs, body="The gate was open last week.", language="en"
    )
    services.comment_moderate(actor=staff, comment=comment, decision="publish")
    refused = services.proposal_submit(
        actor=zoe,
        unit_id=world.unit.pk,
        kind="problem",
        title="Noise from the depot at night",
        body="Lorries idle outside the depot from 3 a.m. and wake the whole street.",
        language="en",
    )
    services.proposal_moderate(actor=staff, proposal=refused, decision="reject", reason="spam")
    services.proposal_appeal(
        actor=zoe, proposal=refused, text=f"It is not a duplicate. Signed, {NAME}"
    )
    notification_services.preferences_update(actor=zoe, email_mode="digest")
    notification_services.follow_set(
        actor=zoe, object_type="participation.proposal", object_id=str(own.pk), follow=True
    )
    assert zoe.person is not None
    Notification.objects.create(
        person=zoe.person,
        kind="proposal_receipt",
        params={"title": own.title},
        source="test:1",
    )
    theirs.refresh_from_db()
    assert theirs.threshold_reached_at is not None  # two supports: an answer is due
    return zoe, own, theirs


def test_erasing_a_citizen_leaves_nothing_personal(world, zoe):
    person, own, theirs = zoe
    assert rows_naming(KEY) and rows_naming(NAME), "the scenario must spread name and address"
    assert services.support_count(theirs) == 2
    out = StringIO()
    call_command("erase_person", EMAIL, "--yes", stdout=out)
    report = out.getvalue()
    for line in (
        "citizen profile (display name, e-mail address)",
        "supports of citizens' proposals",
        "follows of citizens' proposals",
        "notifications shown in the app",
        "notification preferences",
    ):
        assert line in report, line

    for needle in (EMAIL, KEY, NAME, "zoe.kayak", "Riverbank"):
        assert rows_naming(needle) == [], needle
    citizen = Citizen.objects.get(person=person.person)
    assert citizen.public_name == "a former participant"
    # counts stay honest: Zoe's support is withdrawn, Bob's of her proposal still counts
    assert services.support_count(theirs) == 1
    assert services.support_count(own) == 1
    assert not Support.objects.filter(citizen=citizen, withdrawn_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.answer_due_at is not None  # the answer the unit owed stays owed
    assert not Follow.objects.filter(person=person.person).exists()
    assert not Notification.objects.filter(person=person.person).exists()
    assert not NoticeFollow.objects.filter(person=person.person).exists()
    assert not NotificationPreference.objects.filter(person=person.person).exists()
    # the published words stay, attributed to a former participant, on the page and the API
    assert Proposal.objects.get(pk=own.pk).body.startswith("The street bins overflow")
    page = Client().get(f"/participate/{theirs.pk}/").content.decode()
    assert "The gate was open last week." in page
    assert "a former participant" in page and NAME not in page
    api = Client().get(f"/api/v1/participation/proposals/{own.pk}").json()
    assert api["author"] == "a former participant"


def test_a_citizen_may_register_again_after_erasure(world, zoe):
    call_command("erase_person", EMAIL, "--yes", stdout=StringIO())
    again = make_citizen(EMAIL, name="Zoe again")
    assert Citizen.objects.get(person=again.person).email_key == KEY


def test_the_export_holds_proposals_comments_supports_and_follows(world, zoe):
    person, own, theirs = zoe
    client = Client()
    client.force_login(person.person)
    data = client.get("/api/v1/me/data").json()
    assert data["citizen"]["display_name"] == NAME
    assert data["citizen"]["email_key"] == KEY
    assert [p["title"] for p in data["citizen_proposals"]] == [
        "Bins are not emptied on Sundays",
        "Noise from the depot at night",
    ]
    assert data["citizen_proposals"][1]["appeal"].endswith(NAME)
    assert [c["body"] for c in data["citizen_comments"]] == ["The gate was open last week."]
    assert [(s["proposal_id"], s["withdrawn_at"]) for s in data["citizen_supports"]] == [
        (theirs.pk, None)
    ]
    # authors and supporters follow what they propose and support (the default)
    refused = Proposal.objects.get(title="Noise from the depot at night")
    assert [f["proposal_id"] for f in data["citizen_follows"]] == [own.pk, theirs.pk, refused.pk]
    assert [n["kind"] for n in data["notifications"]] == ["proposal_receipt"]
    assert data["follows"] == [
        {
            "object_type": "participation.proposal",
            "object_id": str(own.pk),
            "since": data["follows"][0]["since"],
        }
    ]
    assert data["notification_preferences"]["email_mode"] == "digest"
    # nobody else's support or comment is in it
    assert "bob@example.net" not in json.dumps(data) and "Cleo" not in json.dumps(data)


def test_a_persons_export_without_participation_is_empty_there(world):
    data = world.client("staff").get("/api/v1/me/data").json()
    assert data["citizen"] is None
    assert data["citizen_proposals"] == data["citizen_supports"] == []
    assert data["notifications"] == [] and data["notification_preferences"] is None


def test_only_the_operator_erases_a_citizen(world, zoe):
    """A citizen belongs to no unit: no unit's staff may erase them (ADR 0012)."""
    person, _own, _theirs = zoe
    staff = world.client("staff")
    url = f"/settings/data-subject-requests/people/{person.person.pk}/erase/"
    assert staff.get(url).status_code == 404
