"""Every public selector that takes a viewer answers within the viewer's scope: another unit's
drafts, needs, questions, rankings, awards and contracts are invisible to it, a vendor sees its
own proposals and profile and nobody else's, an agency official sees their own agency's needs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from civicloop.core.permissions import Ability, principal_for_person
from civicloop.market import selectors, services
from civicloop.market.tests.factories import awarded_contract, close_submissions

pytestmark = pytest.mark.django_db


def _need(world, agency, official: str, title: str = "Paper licence renewals"):
    return services.need_submit(
        actor=world.principal(official),
        agency=agency,
        title=title,
        what_is_wrong="Shopkeepers queue for hours to renew a trading licence on paper.",
        who_is_affected="Shopkeepers",
    )


def _draft(world, title: str = "A draft call"):
    return services.challenge_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title=title,
        context="<p>Something the unit has not published yet.</p>",
    )


def _profile(actor, company):
    return services.vendor_register(
        actor=actor,
        organization=company,
        founding_year=2015,
        capabilities="Online forms and case management for local government.",
        sme_size="small",
    )


def test_needs_are_seen_by_their_unit_and_their_own_agency_only(world):
    mine = _need(world, world.agency, "official")
    theirs = _need(world, world.other_agency, "other_official", "Bus timetable changes")
    assert set(selectors.need_list(viewer=world.principal("staff"))) == {mine, theirs}
    assert list(selectors.need_list(viewer=world.principal("official"))) == [mine]
    assert list(selectors.need_list(viewer=world.principal("outsider"))) == []
    assert list(selectors.need_list(viewer=world.principal("vendor"))) == []


def test_similar_needs_and_agencies_stay_inside_the_unit(world):
    _need(world, world.agency, "official")
    _need(world, world.other_agency, "other_official", "Paper licence renewals again")
    assert selectors.need_similar_pairs(viewer=world.principal("staff"), threshold=0.0)
    assert selectors.need_similar_pairs(viewer=world.principal("outsider"), threshold=0.0) == []
    assert set(selectors.need_agencies(viewer=world.principal("staff"))) == {
        world.agency,
        world.other_agency,
    }
    assert selectors.need_agencies(viewer=world.principal("official")) == [world.agency]
    assert selectors.need_agencies(viewer=world.principal("outsider")) == [world.other_unit_agency]


def test_another_units_draft_is_invisible_and_its_published_call_read_only(world, market):
    draft = _draft(world)
    outsider = world.principal("outsider")
    listed = set(selectors.challenge_list(viewer=outsider))
    assert market.challenge in listed and draft not in listed
    assert list(selectors.challenge_list(viewer=outsider, own_units_only=True)) == []
    assert set(selectors.challenge_list(viewer=world.principal("staff"), own_units_only=True)) == {
        market.challenge,
        draft,
    }
    with pytest.raises(Http404):
        selectors.challenge_get(viewer=outsider, pk=draft.pk)
    with pytest.raises(Http404):
        selectors.challenge_get(
            viewer=outsider, pk=market.challenge.pk, ability=Ability.MANAGE_MARKET
        )
    assert selectors.challenge_get(viewer=outsider, pk=market.challenge.pk) == market.challenge


def test_unanswered_questions_are_the_managing_units_only(world, market):
    question = services.question_ask(
        actor=world.principal("vendor"),
        challenge=market.challenge,
        vendor=world.company,
        text="May we propose a phased roll-out?",
    )
    staff, outsider = world.principal("staff"), world.principal("outsider")
    assert list(selectors.question_list_unanswered(viewer=staff, challenge=market.challenge)) == [
        question
    ]
    assert not selectors.question_list_unanswered(viewer=outsider, challenge=market.challenge)
    assert selectors.question_get_managed(viewer=staff, pk=question.pk) == question
    for viewer in (outsider, world.principal("evaluator"), world.principal("vendor")):
        with pytest.raises(Http404):
            selectors.question_get_managed(viewer=viewer, pk=question.pk)


def test_a_vendor_sees_its_own_profile_and_not_a_rivals(world, market):
    own = _profile(world.principal("vendor"), world.company)
    rival = _profile(principal_for_person(market.rival.person), market.rival.company)
    vendor = world.principal("vendor")
    assert list(selectors.vendor_list(viewer=vendor)) == [own]
    with pytest.raises(Http404):
        selectors.vendor_get(viewer=vendor, pk=rival.pk)
    assert selectors.vendor_profile_of(viewer=vendor, vendor=world.company) == own
    assert selectors.vendor_profile_of(viewer=vendor, vendor=market.rival.company) is None
    assert set(selectors.vendor_list(viewer=world.principal("staff"))) == {own, rival}


def test_matching_answers_only_inside_scope(world, market):
    with pytest.raises(Http404):
        selectors.vendor_matches(viewer=world.principal("outsider"), challenge=market.challenge)
    with pytest.raises(Http404):
        selectors.challenge_matches(viewer=world.principal("vendor"), vendor=market.rival.company)
    matches = selectors.challenge_matches(viewer=world.principal("vendor"), vendor=world.company)
    assert [m.challenge for m in matches] == [market.challenge]


def test_a_vendor_knows_of_its_own_proposals_only(world, market):
    vendor = world.principal("vendor")
    assert [p.id for p in selectors.proposal_list(viewer=vendor)] == [market.proposal.pk]
    with pytest.raises(Http404):
        selectors.proposal_get(viewer=vendor, pk=market.rival_proposal.pk)
    with pytest.raises(Http404):
        selectors.proposal_view(viewer=vendor, pk=market.rival_proposal.pk)
    assert selectors.proposal_list(viewer=world.principal("outsider")) == []
    assert {p.id for p in selectors.proposal_list(viewer=world.principal("staff"))} == {
        market.proposal.pk,
        market.rival_proposal.pk,
    }
    submitted = selectors.proposal_list_submitted_by(viewer=vendor, person=market.rival.person)
    assert submitted == []


def test_only_the_own_vendor_may_still_change_a_proposal_before_the_deadline(world, market):
    assert selectors.proposal_can_change(viewer=world.principal("vendor"), proposal=market.proposal)
    assert not selectors.proposal_can_change(
        viewer=world.principal("staff"), proposal=market.proposal
    )
    assert not selectors.proposal_can_change(
        viewer=principal_for_person(market.rival.person), proposal=market.proposal
    )
    close_submissions(market.challenge)
    market.proposal.challenge.refresh_from_db()
    assert not selectors.proposal_can_change(
        viewer=world.principal("vendor"), proposal=market.proposal
    )


def test_own_attachments_are_the_vendors_alone(world, market):
    from civicloop.market.tests.factories import PDF_BYTES

    record = services.proposal_file_add(
        actor=world.principal("vendor"), proposal=market.proposal, name="plan.pdf", data=PDF_BYTES
    )
    assert selectors.own_proposal_file(viewer=world.principal("vendor"), file_id=record.pk)
    for viewer in (principal_for_person(market.rival.person), world.principal("staff")):
        with pytest.raises(Http404):
            selectors.own_proposal_file(viewer=viewer, file_id=record.pk)


def test_ranking_and_moderation_belong_to_the_unit(world, market):
    close_submissions(market.challenge, world=world)
    staff = world.principal("staff")
    assert {r.proposal_id for r in selectors.ranking(viewer=staff, challenge=market.challenge)} == {
        market.proposal.pk,
        market.rival_proposal.pk,
    }
    assert selectors.moderation(viewer=staff, challenge=market.challenge) == []
    for viewer in (world.principal("outsider"), world.principal("vendor")):
        with pytest.raises(Http404):
            selectors.ranking(viewer=viewer, challenge=market.challenge)
    with pytest.raises(Http404):  # evaluators score; moderating is the unit's staff's work
        selectors.moderation(viewer=world.principal("evaluator"), challenge=market.challenge)


def test_an_evaluators_own_scores_and_declaration_are_theirs(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    services.conflict_declare(actor=evaluator, proposal=market.proposal, has_conflict=False)
    criterion = market.challenge.criteria.order_by("pk").first()
    services.score_record(
        actor=evaluator,
        proposal=market.proposal,
        criterion=criterion,
        score=7,
        justification="A clear plan with interviews of shopkeepers first.",
    )
    assert selectors.my_declaration(viewer=evaluator, proposal=market.proposal) is not None
    assert selectors.my_scores(viewer=evaluator, proposal=market.proposal)[criterion.pk].score == 7
    staff = world.principal("staff")
    assert selectors.my_declaration(viewer=staff, proposal=market.proposal) is None
    assert selectors.my_scores(viewer=staff, proposal=market.proposal) == {}


def test_awards_and_contracts_are_seen_by_the_unit_and_the_contracted_vendor(world, market):
    contract = awarded_contract(world, market)
    award = contract.award
    staff, outsider = world.principal("staff"), world.principal("outsider")
    rival = principal_for_person(market.rival.person)
    assert selectors.award_list(viewer=staff, challenge=market.challenge) == [award]
    assert selectors.award_list(viewer=outsider, challenge=market.challenge) == []
    assert selectors.award_get_managed(viewer=staff, pk=award.pk) == award
    for viewer in (outsider, world.principal("evaluator"), world.principal("vendor")):
        with pytest.raises(Http404):
            selectors.award_get_managed(viewer=viewer, pk=award.pk)
    assert list(selectors.contract_list(viewer=world.principal("vendor"))) == [contract]
    assert list(selectors.contract_list(viewer=rival)) == []
    assert list(selectors.contract_list(viewer=outsider)) == []
    assert selectors.contracts_by_award(viewer=outsider, challenge=market.challenge) == {}
    with pytest.raises(Http404):
        selectors.contract_get(viewer=outsider, pk=contract.pk)
    milestone = services.milestone_add(
        actor=staff, contract=contract, title="Prototype", due_on=contract.ends_on
    )
    assert selectors.contract_get_managed(viewer=staff, pk=contract.pk) == contract
    assert selectors.milestone_get_managed(viewer=staff, pk=milestone.pk) == milestone
    for viewer in (world.principal("vendor"), world.principal("auditor"), outsider):
        with pytest.raises(Http404):
            selectors.contract_get_managed(viewer=viewer, pk=contract.pk)
        with pytest.raises(Http404):
            selectors.milestone_get_managed(viewer=viewer, pk=milestone.pk)
    assert selectors.contract_ledger(contract=contract).paid == Decimal(0)
