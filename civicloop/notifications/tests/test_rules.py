"""Each audited action tells the right people once, in their language."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from civicloop.core.permissions import principal_for_person
from civicloop.market import services as market
from civicloop.market.tests.factories import (
    close_submissions,
    open_challenge,
    rival_vendor,
    submit,
)
from civicloop.notifications import services
from civicloop.notifications.models import Notification
from civicloop.portfolio.tests.factories import ProblemFactory
from civicloop.scaling import services as scaling

TEXT = "A sealed proposal with enough words to pass the fifty character rule. Receipt test."


def kinds_for(person) -> list[str]:
    return list(Notification.objects.filter(person=person).values_list("kind", flat=True))


@pytest.fixture
def subscribed(world):
    """The world's vendor subscribes to challenges about licences; writes in Spanish."""
    vendor = world.people["vendor"]
    vendor.preferred_language = "es"
    vendor.save()
    market.vendor_subscribe(
        actor=world.principal("vendor"), organization=world.company, keywords=["licence"]
    )
    return vendor


@pytest.mark.django_db
def test_published_challenge_reaches_matching_subscribers_only_in_their_language(
    world, subscribed, dispatched
):
    rival = rival_vendor()
    market.vendor_subscribe(
        actor=principal_for_person(rival.person), organization=rival.company, keywords=["bridges"]
    )
    mail.outbox.clear()
    challenge, _phase = dispatched(open_challenge, world)
    assert kinds_for(subscribed) == ["challenge_published"]
    assert kinds_for(rival.person) == []
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [subscribed.email]
    assert mail.outbox[0].subject == f"Nuevo reto para usted: {challenge.title}"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


@pytest.mark.django_db
def test_question_answered_tells_the_asker(world, dispatched):
    challenge, _phase = open_challenge(world)
    question = market.question_ask(
        actor=world.principal("vendor"),
        challenge=challenge,
        vendor=world.company,
        text="Can we use open-source components?",
    )
    dispatched(
        market.question_answer,
        actor=world.principal("staff"),
        question=question,
        answer="Yes, any licence approved by the OSI.",
    )
    assert kinds_for(world.people["vendor"]) == ["question_answered"]
    assert kinds_for(world.people["staff"]) == []


@pytest.mark.django_db
def test_receipt_holds_the_hash_of_what_was_sealed_and_the_audit_entry(world, dispatched):
    challenge, phase = open_challenge(world)
    proposal = dispatched(submit, world, challenge, phase, world.company, TEXT)
    (receipt,) = Notification.objects.filter(person=world.people["vendor"], kind="proposal_receipt")
    # An independent digest of the text the vendor sent: it matches what the sealing stored.
    sent = f"Our approach: {TEXT}. We will interview shopkeepers and build a prototype."
    expected = hashlib.sha256(sent.encode()).hexdigest()
    assert receipt.params["sha256"] == expected == proposal.sealed.sha256
    assert receipt.params["code"] == proposal.code and receipt.params["revision"] == 1
    assert receipt.params["audit_sequence"] and len(receipt.params["audit_hash"]) == 64
    assert expected in mail.outbox[-1].body


@pytest.mark.django_db
def test_award_and_unsuccessful_notices_name_the_standstill_end(world, dispatched):
    challenge, phase = open_challenge(world)
    won = submit(world, challenge, phase, world.company, TEXT)
    rival = rival_vendor()
    submit(rival.person, challenge, phase, rival.company, TEXT + " rival")
    close_submissions(challenge, world=world)
    dispatched(
        market.award_decide,
        actor=world.principal("staff"),
        proposal=won,
        amount=Decimal("30000"),
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    end = (timezone.now() + timedelta(days=10)).strftime("%Y-%m-%d")
    (award,) = Notification.objects.filter(person=world.people["vendor"], kind="award")
    (lost,) = Notification.objects.filter(person=rival.person, kind="unsuccessful")
    assert award.params["standstill_ends"] == end == lost.params["standstill_ends"]
    assert award.params["amount"] == "30000.00"
    assert "code" not in lost.params  # the winner's proposal is not named to the others


@pytest.mark.django_db
def test_sandbox_status_tells_applicant_and_followers_once(world, dispatched):
    staff = world.principal("staff")
    sandbox = scaling.sandbox_apply(
        actor=staff,
        unit=world.unit,
        title="Drone deliveries",
        public_summary="Medicines by drone to villages.",
        regulator="Aviation authority",
    )
    services.follow_set(
        actor=world.principal("auditor"),
        object_type="scaling.sandbox",
        object_id=str(sandbox.pk),
        follow=True,
    )
    answers = dict.fromkeys(
        ("in_scope", "genuine_innovation", "citizen_benefit", "readiness", "need"), True
    )
    notes = {name: "Checked against the criteria." for name in answers}
    dispatched(
        scaling.sandbox_decide_eligibility,
        actor=staff,
        sandbox=sandbox,
        answers=answers,
        notes=notes,
    )
    assert kinds_for(world.people["staff"]) == ["sandbox_status"]
    assert kinds_for(world.people["auditor"]) == ["sandbox_status"]
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_deadline_reminders_seven_and_one_day_once_and_not_after_submitting(world, subscribed):
    challenge, phase = open_challenge(world)  # deadline in 14 days
    deadline = challenge.submission_deadline
    assert deadline is not None
    seven = deadline - timedelta(days=6, hours=12)
    assert services.deadline_reminders(now=seven) == 1
    assert services.deadline_reminders(now=seven + timedelta(hours=1)) == 0  # once
    (row,) = Notification.objects.filter(kind="deadline_approaching")
    assert row.person == subscribed and row.params["days"] == 7
    submit(world, challenge, phase, world.company, TEXT)
    assert services.deadline_reminders(now=deadline - timedelta(hours=12)) == 0


@pytest.mark.django_db
def test_overdue_obstacle_tells_its_owner_once(world):
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency, stage="scaling")
    today = timezone.localdate()
    scaling.obstacle_create(
        actor=world.principal("staff"),
        problem=problem,
        kind="budget",
        title="No budget line for year two",
        severity=3,
        likelihood=3,
        owner=world.people["staff"],
        due_date=today + timedelta(days=3),
    )
    assert services.obstacles_overdue(today=today) == 0
    later = today + timedelta(days=5)
    assert services.obstacles_overdue(today=later) == 1
    assert services.obstacles_overdue(today=later) == 0
    assert kinds_for(world.people["staff"]) == ["obstacle_overdue"]


@pytest.mark.django_db
def test_a_rolled_back_action_tells_nobody(world, subscribed, django_capture_on_commit_callbacks):
    from django.db import transaction

    def failing_page() -> None:
        with transaction.atomic():
            open_challenge(world)
            raise RuntimeError("the page failed after the write")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_page()
    assert Notification.objects.count() == 0
