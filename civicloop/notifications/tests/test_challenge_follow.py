"""Following one challenge (issue 16): a vendor is told of its answers, phase changes, award and
approaching deadline; and an evaluator taken off a challenge is told too."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from civicloop.core.models import AuditEvent
from civicloop.core.permissions import principal_for_person
from civicloop.market import services as market
from civicloop.market.tests.factories import close_submissions, open_challenge, rival_vendor, submit
from civicloop.notifications import services
from civicloop.notifications.models import Notification

pytestmark = pytest.mark.django_db

TEXT = "A sealed proposal with enough words to pass the fifty character rule. Follow test."


def _api(client, method: str, url: str):
    return getattr(client, method)(url, "", content_type="application/json")


def _changes(person) -> list[str]:
    rows = Notification.objects.filter(person=person, kind="challenge_update").order_by("pk")
    return [n.params["change"] for n in rows]


def test_a_vendor_follows_a_published_challenge_not_a_draft(world):
    challenge, _phase = open_challenge(world)
    draft = market.challenge_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Not yet public",
        context="<p>Draft.</p>",
        outcomes_sought="Nothing yet.",
    )
    client = world.client("vendor")
    url = f"/api/v1/notifications/follows/challenges/{challenge.pk}"
    assert _api(client, "put", url).json() == {
        "kind": "challenge",
        "object_id": challenge.pk,
        "following": True,
    }
    listing = client.get("/api/v1/notifications/follows").json()
    assert [(f["kind"], f["object_id"]) for f in listing["items"]] == [("challenge", challenge.pk)]
    assert listing["count"] == 1
    hidden = _api(client, "put", f"/api/v1/notifications/follows/challenges/{draft.pk}")
    assert hidden.status_code == 404  # another unit's draft: as if it did not exist
    assert (
        client.post("/notifications/follow/", {"type": "challenge", "id": draft.pk}).status_code
        == 404
    )
    assert (
        AuditEvent.objects.filter(action="notifications.followed").count() == 1
    )  # the follow is audited
    assert _api(client, "delete", url).json()["following"] is False
    assert client.get("/api/v1/notifications/follows").json()["count"] == 0


def test_the_challenge_page_offers_the_follow_button(world):
    challenge, _phase = open_challenge(world)
    page = world.client("vendor").get(f"/market/challenges/{challenge.pk}/").content.decode()
    assert "follow_button" in page or "/notifications/follow/" in page


def test_followers_hear_of_answers_phase_changes_and_the_award(world, dispatched):
    challenge, phase = open_challenge(world)
    watcher = rival_vendor("Watcher Ltd", "watcher")
    watcher.person.preferred_language = "es"
    watcher.person.save()
    services.follow_change(
        actor=principal_for_person(watcher.person),
        kind="challenge",
        object_id=challenge.pk,
        follow=True,
    )
    question = market.question_ask(
        actor=world.principal("vendor"),
        challenge=challenge,
        vendor=world.company,
        text="Can we use open-source components?",
    )
    mail.outbox.clear()
    dispatched(
        market.question_answer,
        actor=world.principal("staff"),
        question=question,
        answer="Yes, any licence approved by the OSI.",
    )
    assert _changes(watcher.person) == ["answer"]
    assert _changes(world.people["vendor"]) == []  # the asker gets its own notice, not both
    (message,) = [m for m in mail.outbox if m.to == [watcher.person.email]]
    assert message.subject == f"Un reto que sigue ha cambiado: {challenge.title}"
    assert "Se respondió una pregunta de la consulta" in message.body
    won = submit(world, challenge, phase, world.company, TEXT)
    dispatched(close_submissions, challenge, world=world)
    assert _changes(watcher.person)[-1] == "status"
    dispatched(
        market.award_decide,
        actor=world.principal("staff"),
        proposal=won,
        amount=Decimal("30000"),
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    assert _changes(watcher.person)[-1] == "award"
    # the winner is told by its award notice, not again as a follower
    assert Notification.objects.filter(person=world.people["vendor"], kind="award").count() == 1


def test_a_follower_without_a_proposal_is_reminded_of_the_deadline(world):
    challenge, phase = open_challenge(world)
    watcher = rival_vendor("Watcher Ltd", "watcher")
    services.follow_change(
        actor=principal_for_person(watcher.person),
        kind="challenge",
        object_id=challenge.pk,
        follow=True,
    )
    services.follow_change(
        actor=world.principal("vendor"), kind="challenge", object_id=challenge.pk, follow=True
    )
    submit(world, challenge, phase, world.company, TEXT)  # the world's vendor has one in
    deadline = challenge.submission_deadline
    assert deadline is not None
    services.deadline_reminders(now=deadline - timedelta(days=6, hours=12))
    reminded = set(
        Notification.objects.filter(kind="deadline_approaching").values_list("person", flat=True)
    )
    assert reminded == {watcher.person.pk}


def test_unassigning_an_evaluator_tells_them_in_app_and_by_mail(world, dispatched):
    challenge, _phase = open_challenge(world)
    evaluator = world.people["evaluator"]
    evaluator.preferred_language = "es"
    evaluator.save()
    assignment = market.evaluator_assign(
        actor=world.principal("staff"), challenge=challenge, evaluator=evaluator
    )
    mail.outbox.clear()
    dispatched(market.evaluator_unassign, actor=world.principal("staff"), assignment=assignment)
    (notice,) = Notification.objects.filter(person=evaluator, kind="evaluation_unassigned")
    assert notice.params == {"title": challenge.title, "scope": "challenge"}
    (message,) = [m for m in mail.outbox if m.to == [evaluator.email]]
    assert message.subject == f"Evaluación retirada: {challenge.title}"
    assert "las propuestas" in message.body
    assert AuditEvent.objects.filter(action="market.evaluator_unassigned").count() == 1
    assert (
        not Notification.objects.exclude(person=evaluator)
        .filter(kind="evaluation_unassigned")
        .exists()
    )


def test_an_evaluator_who_turned_the_kind_off_gets_nothing(world, dispatched):
    challenge, _phase = open_challenge(world)
    evaluator = world.people["evaluator"]
    services.preferences_update(
        actor=principal_for_person(evaluator),
        email_mode="immediate",
        kind_modes={"evaluation_unassigned": "in_app"},
    )
    assignment = market.evaluator_assign(
        actor=world.principal("staff"), challenge=challenge, evaluator=evaluator
    )
    mail.outbox.clear()
    dispatched(market.evaluator_unassign, actor=world.principal("staff"), assignment=assignment)
    assert Notification.objects.filter(person=evaluator, kind="evaluation_unassigned").exists()
    assert [m for m in mail.outbox if m.to == [evaluator.email]] == []
