"""The market's rules, as the people using it rely on them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from civicloop.core.audit import audit_verify
from civicloop.core.models import AuditEvent
from civicloop.core.permissions import principal_for_person
from civicloop.market import selectors, services
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    ChallengeStatus,
    NeedStatus,
    ProposalStatus,
    SealedContent,
)
from civicloop.market.tests.factories import (
    CANARY,
    close_submissions,
    declare_no_conflict,
    open_challenge,
    submit,
)
from civicloop.portfolio.tests.factories import ProblemFactory


def test_official_submits_need_for_own_agency_only(world):
    official = world.principal("official")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    need = services.need_submit(
        actor=official,
        agency=world.agency,
        title="Licence renewals by post",
        what_is_wrong="Shopkeepers lose a morning of trade queueing to renew licences.",
        who_is_affected="Small shopkeepers",
        current_cost=Decimal("38.50"),
        problem=problem,
    )
    assert need.unit_id == world.unit.pk
    assert need.problem == problem
    with pytest.raises(Http404):
        services.need_submit(
            actor=official,
            agency=world.other_agency,
            title="Not mine at all",
            what_is_wrong="x" * 30,
            who_is_affected="someone",
        )


def test_similar_needs_across_agencies_are_paired_and_merged(world):
    staff = world.principal("staff")
    a = services.need_submit(
        actor=world.principal("official"),
        agency=world.agency,
        title="Licence renewal queues",
        what_is_wrong="Shopkeepers queue at the counter to renew trading licences every year.",
        who_is_affected="shopkeepers",
    )
    b = services.need_submit(
        actor=world.principal("other_official"),
        agency=world.other_agency,
        title="Taxi licence renewal queues",
        what_is_wrong="Taxi drivers queue at the counter to renew licences every year.",
        who_is_affected="taxi drivers",
    )
    services.need_submit(
        actor=world.principal("other_official"),
        agency=world.other_agency,
        title="Bus stop lighting",
        what_is_wrong="Bus stops at night are dark and unsafe for riders.",
        who_is_affected="night riders",
    )
    pairs = selectors.need_similar_pairs(viewer=staff)
    assert [(p.first.pk, p.second.pk) for p in pairs] == [(a.pk, b.pk)]
    challenge = services.needs_merge(actor=staff, needs=[a, b], title="Renew licences online")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.challenge == challenge == b.challenge
    assert a.status == NeedStatus.MERGED
    assert "Taxi drivers" in challenge.context
    with pytest.raises(ValidationError, match="already part of a challenge"):
        services.needs_merge(actor=staff, needs=[a])


def test_criterion_weights_must_sum_to_100(world):
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff, unit=world.unit, title="A challenge", context="<p>context</p>"
    )
    with pytest.raises(ValidationError, match="sum to 100 \\(they sum to 90\\)"):
        services.criteria_set(
            actor=staff,
            challenge=challenge,
            criteria=[services.CriterionSpec("A", 50), services.CriterionSpec("B", 40)],
        )
    assert challenge.criteria.count() == 0


def test_rich_text_is_sanitised(world):
    challenge = services.challenge_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Sanitised challenge",
        context='<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:x()">x</a>'
        "<img src=x onerror=alert(1)><strong>bold</strong></p>",
    )
    assert "<script" not in challenge.context
    assert "onclick" not in challenge.context
    assert "javascript:" not in challenge.context
    assert "onerror" not in challenge.context
    assert "<strong>bold</strong>" in challenge.context


def test_consultation_change_is_logged_with_reason(world):
    staff = world.principal("staff")
    challenge, _ = open_challenge(world)
    with pytest.raises(ValidationError, match="reason"):
        services.challenge_update(actor=staff, challenge=challenge, data_available="Open data")
    services.challenge_update(
        actor=staff,
        challenge=challenge,
        data_available="Renewal logs",
        reason="Vendors asked in the Q&A which data we can share.",
    )
    change = challenge.changes.get()
    assert change.field == "data_available"
    assert change.after == "Renewal logs"


def test_question_answers_are_public_and_anonymous(world, market):
    vendor = world.principal("vendor")
    q = services.question_ask(
        actor=vendor,
        challenge=market.challenge,
        vendor=world.company,
        text="Can we access the renewal logs?",
    )
    services.question_answer(
        actor=world.principal("staff"), question=q, answer="Yes, anonymised monthly extracts."
    )
    public = selectors.question_list_public(challenge=market.challenge)
    assert public == [
        {
            "id": q.pk,
            "question": "Can we access the renewal logs?",
            "answer": "Yes, anonymised monthly extracts.",
            "answered_at": public[0]["answered_at"],
        }
    ]


def test_proposal_content_is_encrypted_at_rest(market):
    sealed = SealedContent.objects.get(proposal=market.proposal)
    assert CANARY.encode() not in bytes(sealed.ciphertext)


def test_late_submission_refused(world, market):
    close_submissions(market.challenge)
    with pytest.raises(ValidationError, match="deadline has passed"):
        submit(world, market.challenge, market.phase, world.company, "late")


def test_revision_before_deadline_keeps_one_proposal(world, market):
    revised = submit(world, market.challenge, market.phase, world.company, "better plan")
    assert revised.pk == market.proposal.pk
    assert revised.revision == 2
    text = services.proposal_content_open(actor=world.principal("vendor"), pk=revised.pk)
    assert "better plan" in text


def test_vendor_cannot_submit_or_edit_for_another_company(world, market):
    with pytest.raises(Http404):
        submit(world, market.challenge, market.phase, market.rival.company, "hijack")


def test_nobody_else_reads_content_before_deadline(world, market):
    for role in ("staff", "evaluator", "auditor"):
        with pytest.raises(ValidationError, match="sealed until the submission deadline"):
            services.proposal_content_open(actor=world.principal(role), pk=market.proposal.pk)
    for role in ("outsider", "official"):
        with pytest.raises(Http404):
            services.proposal_content_open(actor=world.principal(role), pk=market.proposal.pk)
    with pytest.raises(Http404):
        services.proposal_content_open(
            actor=principal_for_person(market.rival.person), pk=market.proposal.pk
        )


def test_reads_after_deadline_are_audit_events(world, market):
    close_submissions(market.challenge)
    declare_no_conflict(world, market.proposal)
    text = services.proposal_content_open(actor=world.principal("evaluator"), pk=market.proposal.pk)
    assert CANARY in text
    event = AuditEvent.objects.filter(action=MarketEvent.PROPOSAL_OPENED).get()
    assert event.actor == world.people["evaluator"]
    assert event.object_id == str(market.proposal.pk)
    assert audit_verify().ok


def _score_all(actor, proposal, values, text="Justified by the evidence in section two."):
    criteria = services.rubric_for(challenge=proposal.challenge, phase=proposal.phase)
    for criterion, value in zip(criteria, values, strict=True):
        services.score_record(
            actor=actor, proposal=proposal, criterion=criterion, score=value, justification=text
        )


def test_conflicted_evaluator_gets_404(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    services.conflict_declare(
        actor=evaluator,
        proposal=market.proposal,
        has_conflict=True,
        note="I advised this company last year.",
    )
    with pytest.raises(Http404):
        selectors.proposal_get(viewer=evaluator, pk=market.proposal.pk)
    with pytest.raises(Http404):
        services.proposal_content_open(actor=evaluator, pk=market.proposal.pk)
    with pytest.raises(Http404):
        _score_all(evaluator, market.proposal, [5, 5, 5])
    assert market.proposal.pk not in {p.id for p in selectors.proposal_list(viewer=evaluator)}


def test_scores_need_declaration_rubric_range_and_justification(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    criteria = services.rubric_for(challenge=market.challenge, phase=market.phase)
    with pytest.raises(ValidationError, match="conflict of interest"):
        _score_all(evaluator, market.proposal, [5, 5, 5])
    services.conflict_declare(actor=evaluator, proposal=market.proposal, has_conflict=False)
    with pytest.raises(ValidationError, match="from 0 to 5"):
        services.score_record(
            actor=evaluator,
            proposal=market.proposal,
            criterion=criteria[2],
            score=6,
            justification="Far too generous a score here.",
        )
    with pytest.raises(ValidationError, match="from 0 to 10"):
        services.score_record(
            actor=evaluator,
            proposal=market.proposal,
            criterion=criteria[0],
            score=-1,
            justification="Negative scores are not in the rubric.",
        )
    with pytest.raises(ValidationError, match="Justify"):
        services.score_record(
            actor=evaluator,
            proposal=market.proposal,
            criterion=criteria[0],
            score=5,
            justification="ok",
        )
    _score_all(evaluator, market.proposal, [8, 6, 4])
    assert AuditEvent.objects.filter(action=MarketEvent.SCORE_RECORDED).count() == 3


def test_weighted_ranking_matches_hand_computation(world, market):
    close_submissions(market.challenge, world=world)
    evaluator, staff = world.principal("evaluator"), world.principal("staff")
    for actor in (evaluator, staff):
        for p in (market.proposal, market.rival_proposal):
            services.conflict_declare(actor=actor, proposal=p, has_conflict=False)
    _score_all(evaluator, market.proposal, [8, 6, 4])
    _score_all(staff, market.proposal, [6, 8, 2])
    _score_all(evaluator, market.rival_proposal, [10, 2, 5])
    _score_all(staff, market.rival_proposal, [4, 4, 5])
    rows = selectors.ranking(viewer=staff, challenge=market.challenge)
    # proposal: 40*7/10 + 35*7/10 + 25*3/5 = 28 + 24.5 + 15 = 67.5
    # rival:    40*7/10 + 35*3/10 + 25*5/5 = 28 + 10.5 + 25 = 63.5
    assert [(r.code, r.weighted_score) for r in rows] == [
        (market.proposal.code, 67.5),
        (market.rival_proposal.code, 63.5),
    ]
    divergent = {
        (d.proposal_code, d.criterion)
        for d in selectors.moderation(viewer=staff, challenge=market.challenge)
        if d.divergent
    }
    # spreads: rival "Understanding" 6 of 10 and "Feasibility" 2; proposal 2,2,2 of 10/10/5
    assert divergent == {
        (market.rival_proposal.code, "Understanding of the problem"),
        (market.proposal.code, "Value for money"),
    }


def test_award_feedback_contract_milestones_payments(world, market):
    close_submissions(market.challenge, world=world)
    staff = world.principal("staff")
    award = services.award_decide(
        actor=staff,
        proposal=market.proposal,
        amount=Decimal("40000"),
        rationale="Highest weighted score and a credible plan.",
    )
    # The only phase has made its one award: the challenge is awarded and takes no more.
    with pytest.raises(ValidationError, match="under evaluation"):
        services.award_decide(
            actor=staff,
            proposal=market.rival_proposal,
            amount=Decimal("1000"),
            rationale="A second award is not allowed.",
        )
    services.feedback_send(
        actor=staff,
        proposal=market.rival_proposal,
        text="Your feasibility plan lacked user research with shopkeepers.",
    )
    market.rival_proposal.refresh_from_db()
    assert market.rival_proposal.status == ProposalStatus.UNSUCCESSFUL
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    today = timezone.localdate()
    contract = services.contract_sign(
        actor=staff,
        award=award,
        title="Feasibility study",
        value=Decimal("40000"),
        signed_on=today,
        starts_on=today,
        ends_on=today + timedelta(days=90),
        pilot_problem=problem,
    )
    assert contract.pilot_problem == problem
    assert contract.pilot_service_id is None
    milestone = services.milestone_add(
        actor=staff, contract=contract, title="Discovery report", due_on=today + timedelta(days=30)
    )
    services.payment_record(
        actor=staff, contract=contract, amount=Decimal("30000"), paid_on=today, milestone=milestone
    )
    with pytest.raises(ValidationError, match="exceed the contract value"):
        services.payment_record(
            actor=staff, contract=contract, amount=Decimal("10000.01"), paid_on=today
        )
    market.challenge.refresh_from_db()
    assert market.challenge.status == ChallengeStatus.AWARDED
    assert AuditEvent.objects.filter(action=MarketEvent.AWARD_DECIDED).count() == 1
    assert audit_verify().ok


def test_vendor_sees_only_own_proposals(world, market):
    vendor = world.principal("vendor")
    assert [p.id for p in selectors.proposal_list(viewer=vendor)] == [market.proposal.pk]
    with pytest.raises(Http404):
        selectors.proposal_get(viewer=vendor, pk=market.rival_proposal.pk)
    assert selectors.proposal_list(viewer=world.principal("outsider")) == []
    with pytest.raises(Http404):
        selectors.proposal_get(viewer=world.principal("outsider"), pk=market.proposal.pk)


def test_anonymous_mode_masks_vendor_until_award(world):
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anon")
    close_submissions(challenge, world=world)
    for role in ("staff", "evaluator", "auditor"):
        view = selectors.proposal_view(viewer=world.principal(role), pk=proposal.pk)
        assert view.vendor_id is None
        assert world.company.name not in view.vendor_name
    assert (
        selectors.proposal_view(viewer=world.principal("vendor"), pk=proposal.pk).vendor_name
        == world.company.name
    )


def test_vendor_matching_ranks_relevant_profile_first(world, market):
    services.vendor_register(
        actor=world.principal("vendor"),
        organization=world.company,
        founding_year=2021,
        sme_size="micro",
        capabilities="Online licence renewal forms for shopkeepers, "
        "digital identity, counter queue reduction.",
        sectors=["licensing"],
        countries=["es"],
    )
    rival = principal_for_person(market.rival.person)
    services.vendor_register(
        actor=rival,
        organization=market.rival.company,
        founding_year=1990,
        sme_size="large",
        capabilities="Road maintenance fleet telemetry and asphalt sensors.",
        countries=["FR"],
    )
    staff = world.principal("staff")
    for profile in selectors.vendor_list(viewer=staff):
        services.vendor_verify(actor=staff, profile=profile)
    matches = selectors.vendor_matches(viewer=staff, challenge=market.challenge)
    assert [m.profile.organization for m in matches] == [world.company, market.rival.company]
    assert matches[0].similarity > matches[1].similarity
    assert [
        m.profile.organization
        for m in selectors.vendor_matches(viewer=staff, challenge=market.challenge, sme_only=True)
    ] == [world.company]
    assert [
        m.profile.organization
        for m in selectors.vendor_matches(viewer=staff, challenge=market.challenge, country="fr")
    ] == [market.rival.company]


def test_a_refused_move_names_both_statuses_in_the_readers_language(world):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from civicloop.market.tests.factories import open_challenge

    challenge, _phase = open_challenge(world)
    with translation.override("es"), pytest.raises(ValidationError) as refused:
        services.challenge_move(
            actor=world.principal("staff"), challenge=challenge, to_status="draft"
        )
    message = refused.value.message_dict["status"][0]
    # the statuses by their Spanish labels, never their codes
    assert message.startswith("Un reto en estado «"), message
    assert "«open»" not in message and "«draft»" not in message, message
