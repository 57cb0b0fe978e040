"""Procurement money (issue 15, item 3): awards belong to a phase, stay within its budget and
its number of awards unless an audited override says why, and a challenge is "awarded" only
once every phase has made its awards or was closed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.market import selectors, services
from civicloop.market.events import MarketEvent
from civicloop.market.models import ChallengeStatus, ProposalStatus
from civicloop.market.tests.factories import close_submissions, rival_vendor, submit

RATIONALE = "Highest weighted score and a credible, costed plan."


@pytest.fixture
def two_phases(world):
    """The reported case: a €30,000 feasibility phase (two awards) and a pilot phase, three
    feasibility bids, the deadline passed and evaluation started."""
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff,
        unit=world.unit,
        title="Renew licences online",
        context="<p>Shopkeepers queue at the counter.</p>",
        submission_deadline=timezone.now() + timedelta(days=14),
    )
    feasibility = services.phase_set(
        actor=staff,
        challenge=challenge,
        kind="feasibility",
        budget=Decimal("30000"),
        awards_count=2,
    )
    pilot = services.phase_set(
        actor=staff, challenge=challenge, kind="pilot", budget=Decimal("120000"), awards_count=1
    )
    services.criteria_set(
        actor=staff, challenge=challenge, criteria=[services.CriterionSpec("Plan", 100, 10)]
    )
    services.challenge_move(actor=staff, challenge=challenge, to_status=ChallengeStatus.OPEN)
    bids = [submit(world, challenge, feasibility, world.company, "first plan", Decimal("28000"))]
    for slug in ("rival-a", "rival-b"):
        rival = rival_vendor(name=f"Company {slug}", slug=slug)
        bids.append(
            submit(rival.person, challenge, feasibility, rival.company, slug, Decimal(25000))
        )
    close_submissions(challenge, world=world)
    return challenge, feasibility, pilot, bids


def test_awards_beyond_the_phase_budget_are_refused_naming_the_amounts(world, two_phases):
    challenge, feasibility, _, bids = two_phases
    staff = world.principal("staff")
    services.award_decide(actor=staff, proposal=bids[0], amount="28000", rationale=RATIONALE)
    # The reported €53,000 against €30,000: the second award of €25,000 is refused.
    with pytest.raises(ValidationError) as refused:
        services.award_decide(actor=staff, proposal=bids[1], amount="25000", rationale=RATIONALE)
    message = refused.value.message_dict["amount"][0]
    assert "53,000.00 EUR" in message and "30,000.00 EUR" in message
    assert "2,000.00 EUR left" in message
    assert selectors.phase_awards(feasibility).total == Decimal("28000")
    # Within what is left, it is accepted.
    services.award_decide(actor=staff, proposal=bids[1], amount="2000", rationale=RATIONALE)
    assert selectors.phase_awards(feasibility).total == Decimal("30000")


def test_an_override_needs_a_reason_and_is_audited(world, two_phases):
    challenge, feasibility, _, bids = two_phases
    staff = world.principal("staff")
    services.award_decide(actor=staff, proposal=bids[0], amount="28000", rationale=RATIONALE)
    with pytest.raises(ValidationError, match="override reason"):
        services.award_decide(
            actor=staff,
            proposal=bids[1],
            amount="25000",
            rationale=RATIONALE,
            override_reason="too short",
        )
    reason = "The council approved a budget increase on 3 May (minute 14/2026)."
    award = services.award_decide(
        actor=staff, proposal=bids[1], amount="25000", rationale=RATIONALE, override_reason=reason
    )
    assert award.override_reason == reason
    first, event = AuditEvent.objects.filter(action=MarketEvent.AWARD_DECIDED).order_by("pk")
    after = event.after or {}
    assert after["override_reason"] == reason
    assert after["phase"] == "feasibility"
    assert Decimal(str(after["phase_awarded_before"])) == Decimal("28000")
    # An award within the limits keeps no override reason.
    assert (first.after or {})["override_reason"] == ""


def test_the_number_of_awards_of_a_phase_is_kept(world, two_phases):
    challenge, feasibility, pilot, bids = two_phases
    staff = world.principal("staff")
    services.award_decide(actor=staff, proposal=bids[0], amount="10000", rationale=RATIONALE)
    services.award_decide(actor=staff, proposal=bids[1], amount="10000", rationale=RATIONALE)
    with pytest.raises(ValidationError) as refused:
        services.award_decide(actor=staff, proposal=bids[2], amount="5000", rationale=RATIONALE)
    assert "makes 2 award(s)" in refused.value.message_dict["proposal"][0]


def test_the_first_award_does_not_close_a_two_phase_challenge(world, two_phases):
    challenge, feasibility, pilot, bids = two_phases
    staff = world.principal("staff")
    services.award_decide(actor=staff, proposal=bids[0], amount="15000", rationale=RATIONALE)
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION
    services.award_decide(actor=staff, proposal=bids[1], amount="15000", rationale=RATIONALE)
    challenge.refresh_from_db()
    # Feasibility has made both its awards; the pilot never ran: still under evaluation.
    assert challenge.status == ChallengeStatus.EVALUATION
    assert selectors.award_list_public(challenge=challenge) == []
    with pytest.raises(ValidationError, match="at least 10 characters"):
        services.phase_close(actor=staff, phase=pilot, reason="no")
    services.phase_close(
        actor=staff, phase=pilot, reason="No pilot bids: the pilot is procured separately."
    )
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.AWARDED
    event = AuditEvent.objects.get(action=MarketEvent.PHASE_CLOSED)
    assert (event.after or {})["phase"] == "pilot"
    assert (event.after or {})["challenge_status"] == "awarded"
    # Once awarded, no more awards.
    with pytest.raises(ValidationError, match="under evaluation"):
        services.award_decide(actor=staff, proposal=bids[2], amount="1", rationale=RATIONALE)


def test_a_closed_phase_makes_no_awards_and_its_bidders_can_be_told(world, two_phases):
    challenge, feasibility, pilot, bids = two_phases
    staff = world.principal("staff")
    with pytest.raises(ValidationError, match="after the awards|are decided"):
        services.feedback_send(
            actor=staff, proposal=bids[2], text="Your plan lacked research with shopkeepers."
        )
    services.phase_close(
        actor=staff, phase=feasibility, reason="Every bid missed the evaluation threshold."
    )
    with pytest.raises(ValidationError, match="closed"):
        services.award_decide(actor=staff, proposal=bids[0], amount="100", rationale=RATIONALE)
    services.feedback_send(
        actor=staff, proposal=bids[2], text="Your plan lacked research with shopkeepers."
    )
    bids[2].refresh_from_db()
    assert bids[2].status == ProposalStatus.UNSUCCESSFUL
    # Closing every phase without a single award does not make the challenge "awarded".
    services.phase_close(actor=staff, phase=pilot, reason="Nothing to pilot after feasibility.")
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION


def test_amounts_are_checked_as_numbers(world, two_phases):
    _, _, _, bids = two_phases
    staff = world.principal("staff")
    for bad, rule in (("abc", "as a number"), ("0", "more than zero"), ("-5", "more than zero")):
        with pytest.raises(ValidationError) as refused:
            services.award_decide(actor=staff, proposal=bids[0], amount=bad, rationale=RATIONALE)
        assert rule in refused.value.message_dict["amount"][0]


def test_closing_a_phase_is_for_the_unit_that_runs_the_call(world, two_phases):
    from django.http import Http404

    _, _, pilot, _ = two_phases
    for role in ("evaluator", "auditor", "outsider", "vendor"):
        with pytest.raises(Http404):
            services.phase_close(
                actor=world.principal(role), phase=pilot, reason="Not my call to close."
            )
    pilot.refresh_from_db()
    assert pilot.closed_at is None


def test_the_api_awards_per_phase_and_closes_a_phase(world, two_phases):
    challenge, _, _, bids = two_phases
    client = world.client("staff")
    first = client.post(
        f"/api/v1/market/proposals/{bids[0].pk}/award",
        {"amount": "28000", "rationale": RATIONALE},
        content_type="application/json",
    )
    assert first.status_code == 201 and first.json()["override_reason"] == ""
    over = client.post(
        f"/api/v1/market/proposals/{bids[1].pk}/award",
        {"amount": "25000", "rationale": RATIONALE},
        content_type="application/json",
    )
    assert over.status_code == 422 and "30,000.00 EUR" in over.json()["detail"]
    url = f"/api/v1/market/challenges/{challenge.pk}/phases/pilot/close"
    body = {"reason": "No pilot bids: the pilot is procured separately."}
    assert (
        world.client("outsider").post(url, body, content_type="application/json").status_code == 404
    )
    assert (
        world.client("evaluator").post(url, body, content_type="application/json").status_code
        == 404
    )
    closed = client.post(url, body, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["close_reason"] == body["reason"]
    # Feasibility still has an award to make: the challenge stays under evaluation.
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION


def test_the_workspace_shows_each_phase_against_its_budget(world, two_phases):
    challenge, _, _, bids = two_phases
    staff = world.principal("staff")
    services.award_decide(actor=staff, proposal=bids[0], amount="28000", rationale=RATIONALE)
    page = world.client("staff").get(f"/market/challenges/{challenge.pk}/manage/")
    html = page.content.decode()
    assert "Phases, budgets and awards" in html
    assert "2,000.00 EUR" in html  # budget left in feasibility
    assert "1 / 2" in html
    assert "Close the Pilot phase without further awards" in html
    # The award form tells how much is left and asks for an override reason only if needed.
    assert "Budget left in the Feasibility phase: 2,000.00 EUR." in html
    refused = world.client("staff").post(
        f"/market/challenges/{challenge.pk}/manage/",
        {"action": "award", "proposal": bids[1].pk, "amount": "25000", "rationale": RATIONALE},
        follow=True,
    )
    assert "over its budget of 30,000.00 EUR" in refused.content.decode()
    world.client("staff").post(
        f"/market/challenges/{challenge.pk}/manage/",
        {"action": "close_phase", "phase": "pilot", "reason": "The pilot will not run this year."},
    )
    assert (
        world.client("outsider").get(f"/market/challenges/{challenge.pk}/manage/").status_code
        == 404
    )
