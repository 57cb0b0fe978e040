"""Dead ends of the market opened (issue 15, items 5 and 6): RFI answers readable and
exportable by the unit, conflicts declared before a proposal opens, unscored proposals flagged
instead of ranked at 0, criteria per phase, the public award, the consultation's closing date,
only the forms and moves that still apply, and a vendor's landing page after sign-in."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.market import selectors, services
from civicloop.market.events import MarketEvent
from civicloop.market.models import ChallengeStatus
from civicloop.market.tests.factories import CANARY, close_submissions, open_challenge
from civicloop.web.tests.paging import body

RFI_TEXT = "Phone photos of documents work for most families; the register is the hard part."


@pytest.fixture
def consultation(world):
    """A challenge in market consultation, closing in a week, with one company's RFI answer."""
    staff = world.principal("staff")
    challenge = services.challenge_create(
        actor=staff,
        unit=world.unit,
        title="Faster housing decisions",
        context="<p>Families send paper evidence one document at a time.</p>",
        consultation_closes_at=timezone.now() + timedelta(days=7),
        submission_deadline=timezone.now() + timedelta(days=30),
    )
    services.phase_set(actor=staff, challenge=challenge, kind="feasibility", budget=Decimal(25000))
    services.phase_set(actor=staff, challenge=challenge, kind="pilot", budget=Decimal(60000))
    services.criteria_set(
        actor=staff, challenge=challenge, criteria=[services.CriterionSpec("Impact", 100, 10)]
    )
    services.challenge_move(
        actor=staff, challenge=challenge, to_status=ChallengeStatus.CONSULTATION
    )
    services.rfi_respond(
        actor=world.principal("vendor"), challenge=challenge, vendor=world.company, text=RFI_TEXT
    )
    return challenge


# --- RFI answers ------------------------------------------------------------------------------


def test_the_unit_reads_rfi_answers_per_challenge(world, consultation):
    rows = selectors.rfi_response_list(viewer=world.principal("staff"), challenge=consultation)
    assert [(r.vendor_name, r.text) for r in rows] == [("Startup Ltd", RFI_TEXT)]
    for role in ("evaluator", "auditor", "outsider", "vendor"):
        assert (
            selectors.rfi_response_list(viewer=world.principal(role), challenge=consultation) == []
        )
    page = world.client("staff").get(f"/market/challenges/{consultation.pk}/manage/")
    assert RFI_TEXT in page.content.decode() and "Startup Ltd" in page.content.decode()


def test_rfi_answers_export_as_csv_and_json_audited(world, consultation):
    client = world.client("staff")
    as_csv = client.get(f"/market/challenges/{consultation.pk}/rfi-responses.csv")
    assert as_csv.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body(as_csv).decode())))
    assert [(r["vendor"], r["text"]) for r in rows] == [("Startup Ltd", RFI_TEXT)]
    as_json = client.get(f"/market/challenges/{consultation.pk}/rfi-responses.json")
    payload = json.loads(body(as_json))
    assert payload["rfi_responses"][0]["text"] == RFI_TEXT
    assert AuditEvent.objects.filter(action=MarketEvent.RFI_EXPORTED).count() == 2
    assert client.get(f"/market/challenges/{consultation.pk}/rfi-responses.xml").status_code == 404
    for role in ("outsider", "evaluator", "auditor", "vendor", None):
        response = world.client(role).get(f"/market/challenges/{consultation.pk}/rfi-responses.csv")
        # a visitor is sent to sign in; a signed-in person outside the unit finds nothing
        assert response.status_code == (302 if role is None else 404), role
        assert RFI_TEXT.encode() not in body(response)


def test_rfi_answers_in_the_api_for_the_unit_only(world, consultation):
    url = f"/api/v1/market/challenges/{consultation.pk}/rfi-responses"
    answer = world.client("staff").get(url)
    assert answer.status_code == 200
    page = answer.json()
    assert page["count"] == 1
    assert page["items"][0]["vendor_name"] == "Startup Ltd" and page["items"][0]["text"] == RFI_TEXT
    for role in ("outsider", "evaluator", "vendor"):
        assert world.client(role).get(url).status_code == 404, role


# --- conflicts of interest before opening -----------------------------------------------------


def test_an_evaluator_declares_before_the_proposal_opens(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    with pytest.raises(services.SealedError, match="before it opens for you"):
        services.proposal_content_open(actor=evaluator, pk=market.proposal.pk)
    client = world.client("evaluator")
    url = f"/market/proposals/{market.proposal.pk}/"
    before = client.get(url).content.decode()
    assert CANARY not in before
    assert "Do you have a conflict of interest with this proposal?" in before
    assert not AuditEvent.objects.filter(action=MarketEvent.PROPOSAL_OPENED).exists()
    client.post(url, {"action": "declare", "has_conflict": "no"})
    after = client.get(url).content.decode()
    assert CANARY in after and "Your scores" in after
    assert AuditEvent.objects.filter(action=MarketEvent.PROPOSAL_OPENED).count() == 1


def test_a_conflicted_evaluator_never_sees_the_proposal(world, market):
    close_submissions(market.challenge, world=world)
    client = world.client("evaluator")
    url = f"/market/proposals/{market.proposal.pk}/"
    client.post(url, {"action": "declare", "has_conflict": "yes", "note": "Former client."})
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=MarketEvent.PROPOSAL_OPENED).exists()


# --- the ranking never shows an unscored proposal as 0 ----------------------------------------


def test_a_proposal_without_evaluators_is_flagged_not_ranked(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    services.conflict_declare(actor=evaluator, proposal=market.proposal, has_conflict=False)
    criteria = services.rubric_for(challenge=market.challenge, phase=market.phase)
    for criterion in criteria:
        services.score_record(
            actor=evaluator,
            proposal=market.proposal,
            criterion=criterion,
            score=criterion.max_score,
            justification="Evidence in section two supports the maximum.",
        )
    ranking = selectors.ranking(viewer=world.principal("staff"), challenge=market.challenge)
    assert [r.code for r in ranking] == [market.proposal.code, market.rival_proposal.code]
    scored, unscored = ranking
    assert scored.weighted_score == 100.0
    assert unscored.weighted_score is None and unscored.evaluators == 0
    assert unscored.flag == "No evaluator has scored this proposal."
    page = world.client("staff").get(f"/market/challenges/{market.challenge.pk}/manage/")
    html = page.content.decode()
    assert "Not scored" in html and "No evaluator has scored this proposal." in html
    assert ">0.00<" not in html.split("Weighted ranking")[1].split("</table>")[0]
    api = world.client("staff").get(f"/api/v1/market/challenges/{market.challenge.pk}/ranking")
    rows = {r["code"]: r for r in api.json()}
    assert rows[market.rival_proposal.code]["weighted_score"] is None
    assert rows[market.rival_proposal.code]["flag"]
    exported = world.client("staff").get(f"/market/challenges/{market.challenge.pk}/ranking.csv")
    by_code = {r["code"]: r for r in csv.DictReader(io.StringIO(body(exported).decode()))}
    assert by_code[market.rival_proposal.code]["rank"] == ""
    assert by_code[market.rival_proposal.code]["weighted_score"] == ""


def test_a_partly_scored_proposal_has_no_weighted_score_yet(world, market):
    close_submissions(market.challenge, world=world)
    evaluator = world.principal("evaluator")
    services.conflict_declare(actor=evaluator, proposal=market.proposal, has_conflict=False)
    first = services.rubric_for(challenge=market.challenge, phase=market.phase)[0]
    services.score_record(
        actor=evaluator,
        proposal=market.proposal,
        criterion=first,
        score=5,
        justification="Half of the evidence we asked for is there.",
    )
    row = next(
        r
        for r in selectors.ranking(viewer=world.principal("staff"), challenge=market.challenge)
        if r.code == market.proposal.code
    )
    assert row.weighted_score is None
    assert row.flag == "Scored on 1 of 3 criteria: no weighted score yet."


# --- criteria per phase, public page, forms that apply ----------------------------------------


def test_criteria_are_set_per_phase_in_the_workspace(world, consultation):
    client = world.client("staff")
    url = f"/market/challenges/{consultation.pk}/manage/"
    page = client.get(url).content.decode()
    assert "Criteria of the Feasibility phase" in page and "Criteria of the Pilot phase" in page
    assert '<option value="pilot">Pilot</option>' in page
    client.post(
        url,
        {
            "action": "criteria",
            "phase": "pilot",
            "criteria": "Scale-up plan | 60 | 10\nCost | 40 | 5",
        },
    )
    pilot = consultation.phases.get(kind="pilot")
    assert [c.name for c in services.rubric_for(challenge=consultation, phase=pilot)] == [
        "Scale-up plan",
        "Cost",
    ]
    feasibility = consultation.phases.get(kind="feasibility")
    assert [c.name for c in services.rubric_for(challenge=consultation, phase=feasibility)] == [
        "Impact"
    ]
    public = world.client(None).get(f"/market/challenges/{consultation.pk}/").content.decode()
    assert "Evaluation criteria of the Pilot phase" in public and "Scale-up plan" in public


def test_the_public_page_shows_when_the_consultation_closes(world, consultation):
    html = world.client(None).get(f"/market/challenges/{consultation.pk}/").content.decode()
    assert "Market consultation closes" in html
    local = timezone.localtime(consultation.consultation_closes_at)
    assert f"{local.day} {local:%b %Y}" in html


def test_move_to_lists_only_legal_next_states(world, consultation, market):
    client = world.client("staff")
    page = client.get(f"/market/challenges/{consultation.pk}/manage/").content.decode()
    options = page.split('name="to_status"')[1].split("</select>")[0]
    assert "open" in options and "cancelled" in options
    assert "consultation" not in options and "evaluation" not in options
    close_submissions(market.challenge, world=world)
    page = client.get(f"/market/challenges/{market.challenge.pk}/manage/").content.decode()
    options = page.split('name="to_status"')[1].split("</select>")[0]
    assert options.count("<option") == 1 and 'value="cancelled"' in options


def test_invite_and_award_forms_go_once_they_no_longer_apply(world, market):
    staff = world.principal("staff")
    close_submissions(market.challenge, world=world)
    with pytest.raises(Exception, match="consultation or open"):
        services.vendor_invite(actor=staff, challenge=market.challenge, vendor=world.company)
    url = f"/market/challenges/{market.challenge.pk}/manage/"
    html = world.client("staff").get(url).content.decode()
    assert 'value="invite"' not in html
    assert 'value="award"' in html
    services.award_decide(
        actor=staff,
        proposal=market.proposal,
        amount="40000",
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    html = world.client("staff").get(url).content.decode()
    assert 'value="award"' not in html and 'name="to_status"' not in html
    # Feedback to the other bidder still applies.
    assert 'value="feedback"' in html


def test_the_public_page_names_winners_amounts_and_rationale(world, market):
    staff = world.principal("staff")
    close_submissions(market.challenge, world=world)
    url = f"/market/challenges/{market.challenge.pk}/"
    assert "Why it won" not in world.client(None).get(url).content.decode()
    services.award_decide(
        actor=staff,
        proposal=market.proposal,
        amount="40000",
        rationale="The clearest plan for shopkeepers, costed in detail.",
    )
    html = world.client(None).get(url).content.decode()
    assert "Startup Ltd" in html and "40,000.00 EUR" in html
    assert "The clearest plan for shopkeepers, costed in detail." in html
    public = world.client(None).get(f"/api/v1/market/public/challenges/{market.challenge.pk}")
    award = public.json()["awards"][0]
    assert award["vendor_name"] == "Startup Ltd" and award["phase"] == "feasibility"


def test_rich_text_fields_are_marked_for_the_editor(world):
    challenge, _ = open_challenge(world)
    html = world.client("staff").get(f"/market/challenges/{challenge.pk}/edit/").content.decode()
    assert 'class="govuk-textarea js-richtext" id="id_context"' in html
    assert 'class="govuk-textarea " id="id_reason"' in html  # the reason stays plain text
    assert 'id="cl-richtext-labels"' in html and '"bold": "Bold"' in html
    html = world.client("staff").get("/market/challenges/new/").content.decode()
    assert 'js-richtext" id="id_outcomes_sought"' in html
    # Whatever the editor sends is sanitised as before.
    services.challenge_update(
        actor=world.principal("staff"),
        challenge=challenge,
        context='<p><strong>Queues</strong> <a href="javascript:alert(1)">x</a></p><script>1</script>',
        reason="Vendors asked what the queue problem is.",
    )
    challenge.refresh_from_db()
    assert challenge.context == '<p><strong>Queues</strong> <a rel="noopener noreferrer">x</a></p>'


# --- a vendor lands on its own dashboard -------------------------------------------------------


def test_a_vendor_lands_on_its_dashboard_after_sign_in(world, market):
    from django.test import Client

    # A vendor lands on its company's dashboard; an agency official still on the portfolio.
    for role, landing in (("vendor", "/market/company/"), ("official", "/portfolio/")):
        person = world.people[role]
        person.set_password("correct horse battery staple")
        person.save()
        client = Client()
        response = client.post(
            "/accounts/login/",
            {"login": person.email, "password": "correct horse battery staple"},
        )
        assert response.status_code == 302, role
        assert response["Location"] == landing, role
        assert client.get(landing).status_code == 200, role


def test_the_vendor_dashboard_shows_the_companys_own_things(world, market):
    page = world.client("vendor").get("/market/company/")
    assert page.status_code == 200
    html = page.content.decode()
    assert market.proposal.code in html and market.rival_proposal.code not in html
    assert market.challenge.title in html
    for role in ("staff", "evaluator", "outsider", "official"):
        assert world.client(role).get("/market/company/").status_code == 404, role
    assert world.client(None).get("/market/company/").status_code == 302


def test_the_sign_in_page_does_not_invite_to_a_closed_sign_up(world):
    html = world.client(None).get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in html and "sign up" not in html.lower()
    assert "by invitation only" in html


def test_another_units_challenge_pages_answer_404(world, consultation):
    for url in (
        f"/market/challenges/{consultation.pk}/manage/",
        f"/market/challenges/{consultation.pk}/rfi-responses.json",
    ):
        assert world.client("outsider").get(url).status_code == 404, url
    with pytest.raises(Http404):
        services.rfi_export(actor=world.principal("outsider"), challenge=consultation, fmt="csv")
