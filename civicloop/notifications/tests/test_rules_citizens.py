"""Citizens are told what happens to what they raised: a proposal's status, the decisions on
the iterations working on the problem made of it, and the public summary of what changed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from civicloop.core.audit import audit_record
from civicloop.core.models import AuditEvent
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.tests import factories as experiments
from civicloop.notifications import services
from civicloop.notifications.models import Notification
from civicloop.participation import services as participation
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.tests.conftest import make_citizen, published
from civicloop.portal import services as portal
from civicloop.portal.models import PublicSummary


def _spanish(principal):
    principal.person.preferred_language = "es"
    principal.person.save()


def _recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("person__email", flat=True))


@pytest.fixture
def citizens(world):
    """Ana proposed; Bea supports and follows (reads Spanish); Cai supports, not following."""
    ana = make_citizen("ana@example.net")
    bea = make_citizen("bea@example.net")
    cai = make_citizen("cai@example.net")
    _spanish(bea)
    proposal = published(world, ana)
    participation.support_add(actor=bea, proposal=proposal, follow=True)
    participation.support_add(actor=cai, proposal=proposal, follow=False)
    return proposal


def _triage(world, proposal, dispatched):
    dispatched(
        participation.proposal_triage,
        actor=world.principal("staff"),
        proposal=proposal,
        owner_agency=world.agency,
        facet="enhancement",
    )
    proposal.refresh_from_db()
    return proposal.problem


@pytest.mark.django_db
def test_a_status_change_tells_the_author_and_followers_once_in_their_language(
    world, citizens, dispatched
):
    mail.outbox.clear()
    _triage(world, citizens, dispatched)
    rows = Notification.objects.filter(kind="citizen_proposal_status")
    assert _recipients("citizen_proposal_status") == {"ana@example.net", "bea@example.net"}
    assert {r.params["status"] for r in rows} == {"in_portfolio"}
    assert {r.link for r in rows} == {reverse("participation:detail", args=[citizens.pk])}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["bea@example.net"].subject == (
        "Una propuesta ciudadana ha cambiado de estado: Bins are not emptied on Sundays"
    )
    assert "Incorporada a la cartera" in by_address["bea@example.net"].body
    assert "Taken into the portfolio" in by_address["ana@example.net"].body
    # the hook running again for the same event tells nobody twice
    event = AuditEvent.objects.filter(action=ParticipationEvent.PROPOSAL_STATUS_CHANGED).latest(
        "sequence"
    )
    assert services.audit_event_dispatch(event.pk) == []
    assert rows.count() == 2


@pytest.mark.django_db
def test_a_decision_on_an_iteration_of_the_problem_tells_the_proposal_s_followers(
    world, citizens, dispatched
):
    problem = _triage(world, citizens, dispatched)
    staff = world.principal("staff")
    svc = experiments.service(staff, world.unit, world.agency)
    svc.problems.add(problem)
    iteration = experiments.iteration(staff, svc)
    unrelated = experiments.iteration(
        staff, experiments.service(staff, world.unit, world.agency, name="Parking permits")
    )
    world.client("auditor").post(
        "/notifications/follow/", {"type": "iteration", "id": iteration.pk}
    )
    for it in (iteration, unrelated):
        dispatched(
            audit_record,
            actor=staff,
            action=ExperimentsEvent.DECISION_RECORDED,
            obj=it,
            organization=world.unit,
            after={"kind": "scale", "rationale": "The effect held."},
        )
    assert _recipients("decision_recorded") == {
        "ana@example.net",
        "bea@example.net",
        world.people["auditor"].email,
    }  # Cai supports without following; the unrelated iteration tells nobody
    assert Notification.objects.filter(kind="decision_recorded").count() == 3


@pytest.mark.django_db
def test_a_published_summary_tells_iteration_and_proposal_followers_with_its_link(
    world, citizens, dispatched
):
    problem = _triage(world, citizens, dispatched)
    staff = world.principal("staff")
    svc = experiments.service(staff, world.unit, world.agency)
    svc.problems.add(problem)
    iteration = experiments.iteration(staff, svc)
    world.client("auditor").post(
        "/notifications/follow/", {"type": "iteration", "id": iteration.pk}
    )
    summary = PublicSummary.objects.create(
        iteration=iteration,
        unit=world.unit,
        title="Licence renewals: reminders",
        service_name=svc.name,
        said="People said the bins overflow.",
        tried="Reminders by SMS.",
        changed="We kept them.",
    )
    mail.outbox.clear()
    dispatched(portal.summary_publish, actor=staff, summary=summary)
    (link,) = {n.link for n in Notification.objects.filter(kind="summary_published")}
    assert link == reverse("portal:result", args=[summary.pk])
    assert _recipients("summary_published") == {
        "ana@example.net",
        "bea@example.net",
        world.people["auditor"].email,
    }
    spanish = next(m for m in mail.outbox if m.to == ["bea@example.net"])
    assert spanish.subject == "Nos dijiste, hicimos: Licence renewals: reminders"


@pytest.mark.django_db
def test_a_withdrawn_summary_tells_nobody(world, dispatched):
    staff = world.principal("staff")
    iteration = experiments.iteration(staff, experiments.service(staff, world.unit, world.agency))
    world.client("auditor").post(
        "/notifications/follow/", {"type": "iteration", "id": iteration.pk}
    )
    summary = PublicSummary.objects.create(
        iteration=iteration, unit=world.unit, title="T", service_name="S", said="a", tried="b"
    )  # still a draft: the event names a summary that is not public
    dispatched(
        audit_record,
        actor=staff,
        action="portal.summary_published",
        obj=summary,
        organization=world.unit,
    )
    assert not Notification.objects.exists()
