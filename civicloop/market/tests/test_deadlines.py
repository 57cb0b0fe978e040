"""Deadline rules in the service every path calls (ADR 0007); the attack walk is in
civicloop/security_tests/test_sealed_bids.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicloop.market import services
from civicloop.market.models import Challenge, ChallengeStatus, ProposalStatus
from civicloop.market.tests.factories import close_submissions, open_challenge

REASON = "Vendors asked for more time to prepare."


def test_the_service_refuses_an_earlier_deadline_whoever_calls_it(world, market):
    staff = world.principal("staff")
    earlier = market.challenge.submission_deadline - timedelta(days=1)
    with pytest.raises(ValidationError, match="only move later"):
        services.challenge_update(
            actor=staff, challenge=market.challenge, reason=REASON, submission_deadline=earlier
        )
    later = market.challenge.submission_deadline + timedelta(days=1)
    services.challenge_update(
        actor=staff, challenge=market.challenge, reason=REASON, submission_deadline=later
    )
    fresh = Challenge.objects.get(pk=market.challenge.pk)
    assert fresh.sealed_until == fresh.submission_deadline == later


def test_a_stale_copy_cannot_lower_the_mark(world, market):
    """The service works from the stored row, not from the caller's (possibly old) object."""
    staff = world.principal("staff")
    stale = Challenge.objects.get(pk=market.challenge.pk)
    later = market.challenge.submission_deadline + timedelta(days=10)
    services.challenge_update(
        actor=staff, challenge=market.challenge, reason=REASON, submission_deadline=later
    )
    between = later - timedelta(days=5)
    with pytest.raises(ValidationError, match="only move later"):
        services.challenge_update(
            actor=staff, challenge=stale, reason=REASON, submission_deadline=between
        )


def test_a_draft_deadline_moves_freely_and_publication_sets_the_mark(world):
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff,
        unit=world.unit,
        title="Draft challenge",
        context="<p>Something to solve.</p>",
        submission_deadline=timezone.now() + timedelta(days=30),
    )
    sooner = timezone.now() + timedelta(days=3)
    services.challenge_update(actor=staff, challenge=challenge, submission_deadline=sooner)
    assert challenge.sealed_until is None
    services.phase_set(actor=staff, challenge=challenge, kind="feasibility", budget=Decimal(1))
    services.criteria_set(
        actor=staff, challenge=challenge, criteria=[services.CriterionSpec("All", 100)]
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.OPEN)
    assert Challenge.objects.get(pk=challenge.pk).sealed_until == sooner


def test_consultation_with_a_lapsed_date_may_move_it_later(world):
    staff = world.principal("staff")
    challenge, _ = open_challenge(world)
    Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.CONSULTATION)
    past = timezone.now() - timedelta(days=1)
    Challenge.objects.filter(pk=challenge.pk).update(submission_deadline=past, sealed_until=past)
    challenge.refresh_from_db()
    later = timezone.now() + timedelta(days=20)
    services.challenge_update(
        actor=staff, challenge=challenge, reason=REASON, submission_deadline=later
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.OPEN)
    assert Challenge.objects.get(pk=challenge.pk).sealed_until == later


def test_cancelling_during_evaluation_keeps_opened_bids_for_the_record(
    world, market, django_capture_on_commit_callbacks
):
    close_submissions(market.challenge, world=world)
    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_move(
            actor=world.principal("staff"),
            challenge=market.challenge,
            to_status=ChallengeStatus.CANCELLED,
            reason="Budget withdrawn by the council.",
        )
    assert set(market.challenge.proposals.values_list("status", flat=True)) == {
        ProposalStatus.VOIDED
    }
    text = services.proposal_content_open(
        actor=world.principal("auditor"), pk=market.rival_proposal.pk
    )
    assert "RIVAL-SEALED" in text
    assert len(mail.outbox) == 2
    assert all("during evaluation" in m.body for m in mail.outbox)


def test_a_cancelled_draft_needs_no_reason_and_sends_nothing(world):
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff, unit=world.unit, title="Never published", context="<p>Idea.</p>"
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.CANCELLED)
    assert not challenge.changes.exists()
    assert mail.outbox == []


def test_cancel_and_republish_from_the_manage_page(world, market):
    staff = world.client("staff")
    url = f"/market/challenges/{market.challenge.pk}/manage/"
    page = staff.get(url).content.decode()
    assert "Reason (needed to cancel a published call)" in page
    staff.post(url, {"action": "status", "to_status": "cancelled"})
    assert Challenge.objects.get(pk=market.challenge.pk).status == ChallengeStatus.OPEN
    staff.post(
        url, {"action": "status", "to_status": "cancelled", "reason": "The scope must change."}
    )
    assert Challenge.objects.get(pk=market.challenge.pk).status == ChallengeStatus.CANCELLED
    assert "Re-publish as a new call" in staff.get(url).content.decode()
    response = staff.post(url, {"action": "republish", "submission_deadline": ""})
    copy = Challenge.objects.exclude(pk=market.challenge.pk).get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/market/challenges/{copy.pk}/manage/")
    assert (copy.status, copy.title) == (ChallengeStatus.DRAFT, market.challenge.title)
    public = world.client(None).get(f"/market/challenges/{market.challenge.pk}/").content.decode()
    assert "The scope must change." in public
    assert "Re-published as call" in public


def test_evaluation_before_the_deadline_is_refused_in_the_users_language(world, market):
    from django.utils import translation

    staff = world.principal("staff")
    with pytest.raises(ValidationError, match="only after the submission deadline"):
        services.challenge_move(
            actor=staff, challenge=market.challenge, to_status=ChallengeStatus.EVALUATION
        )
    with translation.override("es"), pytest.raises(ValidationError) as refused:
        services.challenge_move(
            actor=staff, challenge=market.challenge, to_status=ChallengeStatus.EVALUATION
        )
    assert refused.value.message_dict["status"] == [
        "La evaluación solo empieza cuando termina el plazo de presentación de la convocatoria."
    ]
