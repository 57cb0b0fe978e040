"""Citizens propose, staff moderate (reasons, appeal), triage into the portfolio and answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.core.permissions import principal_for_person
from civicloop.participation import selectors, services
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import Proposal, ProposalStatus, SupportStatus
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db


def _submit(world, actor, **kw):
    data = {
        "unit_id": world.unit.pk,
        "kind": "idea",
        "title": "More benches at the bus stops",
        "body": "Older people wait standing for 20 minutes at the stops on the ring road.",
        "language": "en",
    }
    data.update(kw)
    return services.proposal_submit(actor=actor, **data)


def test_a_proposal_waits_for_moderation_and_is_not_public(world, ana):
    proposal = _submit(world, ana)
    assert proposal.status == ProposalStatus.PENDING
    assert not selectors.public_proposal_list().exists()
    with pytest.raises(Http404):
        selectors.public_proposal_get(pk=proposal.pk)


def test_only_verified_citizens_propose(world, citizen_of):
    unverified = citizen_of("late@example.net", verified=False)
    with pytest.raises(services.NotACitizen, match="Confirm your e-mail"):
        _submit(world, unverified)
    with pytest.raises(services.NotACitizen, match="Sign up"):
        _submit(world, world.principal("staff"))  # staff have no citizen profile
    assert not Proposal.objects.exists()


def test_bad_input_names_the_field(world, ana):
    with pytest.raises(ValidationError) as error:
        _submit(world, ana, body="too short")
    assert "body" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _submit(world, ana, kind="rant")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _submit(world, ana, unit_id=world.agency.pk)
    assert "unit_id" in error.value.message_dict


def _status_events(proposal):
    return list(
        AuditEvent.objects.filter(action=ParticipationEvent.PROPOSAL_STATUS_CHANGED)
        .filter(object_id=str(proposal.pk))
        .order_by("sequence")
    )


def test_refusal_needs_a_listed_reason_and_the_author_may_appeal_once(world, ana):
    staff = world.principal("staff")
    proposal = _submit(world, ana)
    with pytest.raises(ValidationError) as error:
        services.proposal_moderate(actor=staff, proposal=proposal, decision="reject", reason="meh")
    assert "reason" in error.value.message_dict
    services.proposal_moderate(
        actor=staff, proposal=proposal, decision="reject", reason="off_topic"
    )
    services.proposal_appeal(
        actor=ana, proposal=proposal, text="It is about the bus service, a public service."
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPEALED
    services.proposal_moderate(actor=staff, proposal=proposal, decision="reject", reason="spam")
    with pytest.raises(ValidationError, match="appealed once"):
        services.proposal_appeal(actor=ana, proposal=proposal, text="Please look once more.")
    # one audit event per status change, each naming the proposal (notifications read them)
    changes = [(e.before["status"], e.after["status"]) for e in _status_events(proposal)]
    assert changes == [("pending", "rejected"), ("rejected", "appealed"), ("appealed", "rejected")]
    assert all(e.metadata["proposal_id"] == proposal.pk for e in _status_events(proposal))


def test_someone_else_cannot_appeal(world, ana, citizen_of):
    proposal = _submit(world, ana)
    services.proposal_moderate(
        actor=world.principal("staff"), proposal=proposal, decision="reject", reason="spam"
    )
    other = citizen_of("bea@example.net")
    with pytest.raises(Http404):
        services.proposal_appeal(actor=other, proposal=proposal, text="Publish it, it is fine.")


@pytest.mark.parametrize("role", ["outsider", "auditor", "evaluator", "official"])
def test_only_the_unit_s_staff_moderate(world, ana, role):
    proposal = _submit(world, ana)
    with pytest.raises(Http404):
        services.proposal_moderate(
            actor=world.principal(role), proposal=proposal, decision="publish"
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_triage_creates_a_portfolio_problem_that_keeps_the_link(world, ana, citizen_of):
    proposal = published(world, ana)
    bea = citizen_of("bea@example.net")
    cai = citizen_of("cai@example.net")
    services.support_add(actor=bea, proposal=proposal, follow=True)
    services.support_add(actor=cai, proposal=proposal, follow=False)
    staff = world.principal("staff")
    services.proposal_triage(
        actor=staff, proposal=proposal, owner_agency=world.agency, facet="enhancement"
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_PORTFOLIO
    problem = proposal.problem
    assert problem is not None
    assert problem.unit_id == world.unit.pk
    assert problem.title == proposal.title
    assert problem.source_proposal == proposal
    # the author and the supporter who chose to follow it, not the one who did not
    followers = {p.email for p in selectors.problem_followers(problem_id=problem.pk)}
    assert followers == {"ana@example.net", "bea@example.net"}
    last = _status_events(proposal)[-1]
    assert last.after == {"status": "in_portfolio"}
    assert last.metadata["problem_id"] == problem.pk
    with pytest.raises(ValidationError):
        services.proposal_triage(
            actor=staff, proposal=proposal, owner_agency=world.agency, facet="enhancement"
        )


def test_triage_into_another_unit_s_agency_is_refused(world, ana):
    proposal = published(world, ana)
    with pytest.raises(ValidationError):
        services.proposal_triage(
            actor=world.principal("staff"),
            proposal=proposal,
            owner_agency=world.other_unit_agency,
            facet="enhancement",
        )
    proposal.refresh_from_db()
    assert proposal.problem_id is None


def test_support_threshold_requires_an_answer_and_a_late_one_is_marked(world, ana, citizen_of):
    staff = world.principal("staff")
    services.participation_settings_update(
        actor=staff, unit=world.unit, support_threshold=2, answer_days=10
    )
    proposal = published(world, ana)
    services.support_add(actor=citizen_of("a1@example.net"), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.answer_due_at is None
    services.support_add(actor=citizen_of("a2@example.net"), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None
    assert proposal.answer_due_at and proposal.threshold_reached_at
    assert proposal.answer_due_at - proposal.threshold_reached_at == timedelta(days=10)
    assert services.answers_mark_overdue() == 0
    Proposal.objects.filter(pk=proposal.pk).update(
        answer_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.answers_mark_overdue() == 1
    assert services.answers_mark_overdue() == 0  # marked once
    proposal.refresh_from_db()
    assert proposal.answer_overdue_at is not None
    assert AuditEvent.objects.filter(
        action=ParticipationEvent.PROPOSAL_ANSWER_OVERDUE, metadata__proposal_id=proposal.pk
    ).exists()
    # staff and the public both see it
    assert proposal in selectors.moderation_queue(viewer=staff)["overdue"]
    services.proposal_answer(
        actor=staff, proposal=proposal, text="We will empty the bins on Sundays from March."
    )
    assert not selectors.moderation_queue(viewer=staff)["overdue"]


def test_no_threshold_until_the_unit_sets_one(world, ana, citizen_of):
    proposal = published(world, ana)
    for n in range(3):
        services.support_add(actor=citizen_of(f"s{n}@example.net"), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.answer_due_at is None


def test_settings_errors_name_the_field(world):
    with pytest.raises(ValidationError) as error:
        services.participation_settings_update(
            actor=world.principal("staff"), unit=world.unit, support_threshold=10, answer_days=0
        )
    assert "answer_days" in error.value.message_dict
    with pytest.raises(Http404):
        services.participation_settings_update(
            actor=world.principal("outsider"), unit=world.unit, support_threshold=1, answer_days=1
        )


def test_supports_are_counted_from_rows_with_withdrawals(world, ana, citizen_of):
    proposal = published(world, ana)
    bea = citizen_of("bea@example.net")
    services.support_add(actor=bea, proposal=proposal)
    with pytest.raises(ValidationError, match="already support"):
        services.support_add(actor=bea, proposal=proposal)
    assert services.support_count(proposal) == 1
    services.support_withdraw(actor=bea, proposal=proposal)
    assert services.support_count(proposal) == 0
    assert selectors.public_proposal_get(pk=proposal.pk).support_count == 0  # type: ignore[attr-defined]
    services.support_add(actor=bea, proposal=proposal)
    assert services.support_count(proposal) == 1
    rows = proposal.supports.all()
    assert [(r.status, r.withdrawn_at is None) for r in rows] == [
        (SupportStatus.COUNTED, False),
        (SupportStatus.COUNTED, True),
    ]


def test_the_database_refuses_a_second_active_support(world, ana, citizen_of):
    from django.db import IntegrityError, transaction

    from civicloop.participation.models import Support

    proposal = published(world, ana)
    bea = citizen_of("bea@example.net")
    support = services.support_add(actor=bea, proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(
            proposal=proposal,
            citizen=support.citizen,
            email_key=support.email_key,
            email_domain="example.net",
            created_at=timezone.now(),
        )


def test_comments_are_redacted_and_moderated(world, ana, citizen_of):
    proposal = published(world, ana)
    bea = citizen_of("bea@example.net")
    comment = services.comment_submit(
        actor=bea,
        proposal=proposal,
        body="Same here, call me on +44 7700 900123 about it.",
        language="en",
    )
    assert "7700" not in comment.body and "[PHONE]" in comment.body
    shown = selectors.public_proposal_get(pk=proposal.pk)
    assert shown.published_comments == []  # type: ignore[attr-defined]
    services.comment_moderate(actor=world.principal("staff"), comment=comment, decision="publish")
    shown = selectors.public_proposal_get(pk=proposal.pk)
    assert [c.pk for c in shown.published_comments] == [comment.pk]  # type: ignore[attr-defined]


def test_a_rejected_comment_is_appealed_once(world, ana, citizen_of):
    proposal = published(world, ana)
    bea = citizen_of("bea@example.net")
    comment = services.comment_submit(
        actor=bea, proposal=proposal, body="Buy cheap watches here", language="en"
    )
    services.comment_moderate(
        actor=world.principal("staff"), comment=comment, decision="reject", reason="spam"
    )
    services.comment_appeal(actor=bea, comment=comment, text="It was a joke about the clock.")
    comment.refresh_from_db()
    assert comment.status == "appealed"
    with pytest.raises(ValidationError):
        services.comment_appeal(actor=bea, comment=comment, text="Again, please look.")


def test_a_deactivated_citizen_cannot_act(world, ana):
    ana.person.is_active = False
    ana.person.save()
    with pytest.raises(PermissionError):
        _submit(world, principal_for_person(ana.person))
