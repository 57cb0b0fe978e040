"""Rules keyed by audit action: followers of an iteration, an assigned evaluator, and the one
entry another app adds for its own events (citizen proposals)."""

from __future__ import annotations

import pytest
from django.core import mail

from civicloop.core.audit import audit_record
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.tests import factories as experiments
from civicloop.market.tests.factories import open_challenge
from civicloop.notifications import rules, services
from civicloop.notifications.kinds import NotificationKind
from civicloop.notifications.models import Notification


@pytest.mark.django_db
def test_decision_on_a_followed_iteration_tells_its_followers_in_their_language(world, dispatched):
    staff = world.principal("staff")
    svc = experiments.service(staff, world.unit, world.agency)
    iteration = experiments.iteration(staff, svc)
    auditor = world.people["auditor"]
    auditor.preferred_language = "es"
    auditor.save()
    response = world.client("auditor").post(
        "/notifications/follow/", {"type": "iteration", "id": iteration.pk}
    )
    assert response.status_code == 302
    assert (
        world.client("vendor")
        .post("/notifications/follow/", {"type": "iteration", "id": iteration.pk})
        .status_code
        == 404
    )  # outside the vendor's scope
    mail.outbox.clear()
    # The event `experiments.services.decision_record` audits: the iteration, the kind chosen.
    dispatched(
        audit_record,
        actor=staff,
        action=ExperimentsEvent.DECISION_RECORDED,
        obj=iteration,
        organization=world.unit,
        after={"kind": "scale", "rationale": "The effect held in both sites."},
    )
    (row,) = Notification.objects.all()
    assert row.person == auditor and row.kind == "decision_recorded"
    assert mail.outbox[0].subject == "Decisión registrada en una iteración que sigue"
    assert "(scale)" in mail.outbox[0].body


@pytest.mark.django_db
def test_evaluation_assigned_tells_the_evaluator_named_by_the_event(world, dispatched):
    challenge, _phase = open_challenge(world)
    dispatched(
        audit_record,
        actor=world.principal("staff"),
        action="market.evaluator_assigned",
        obj=challenge,
        organization=world.unit,
        metadata={"evaluator_id": world.people["evaluator"].pk, "challenge_id": challenge.pk},
    )
    (row,) = Notification.objects.all()
    assert row.person == world.people["evaluator"] and row.kind == "evaluation_assigned"
    assert row.params["title"] == challenge.title


@pytest.mark.django_db
def test_another_app_s_events_are_one_entry(world, dispatched, monkeypatch):
    # What the participation app adds for its proposals (docs/notifications.md).
    monkeypatch.setitem(
        rules.RULES,
        "participation.proposal_status_changed",
        rules.followers_rule(NotificationKind.CITIZEN_PROPOSAL_STATUS),
    )
    problem_like = world.unit  # any audited object; supporters follow it by its label and id
    supporter = world.people["official"]
    services.follow_set(
        actor=world.principal("official"),
        object_type="core.organization",
        object_id=str(problem_like.pk),
        follow=True,
    )
    dispatched(
        audit_record,
        actor=world.principal("staff"),
        action="participation.proposal_status_changed",
        obj=problem_like,
        organization=world.unit,
        after={"title": "Benches in the park", "status": "accepted"},
    )
    (row,) = Notification.objects.all()
    assert row.person == supporter and row.kind == "citizen_proposal_status"
    assert row.params == {
        "title": "Benches in the park",
        "status": "accepted",
        "decision": "",
        "iteration": f"#{problem_like.pk}",
    }
