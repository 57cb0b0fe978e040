"""Pages and API as users meet them: public pages, scope (404), anonymity, exports, refusals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from civicloop.core.models import Organization
from civicloop.market import services
from civicloop.market.models import Challenge
from civicloop.market.tests.factories import (
    PDF_BYTES,
    close_submissions,
    declare_no_conflict,
    open_challenge,
    submit,
)
from civicloop.web.tests.paging import body as response_body


def test_public_challenge_page_needs_no_login_and_hides_asker(world, market):
    q = services.question_ask(
        actor=world.principal("vendor"),
        challenge=market.challenge,
        vendor=world.company,
        text="Which data can we use?",
    )
    services.question_answer(
        actor=world.principal("staff"), question=q, answer="Monthly anonymised extracts."
    )
    response = world.client(None).get(f"/market/challenges/{market.challenge.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Monthly anonymised extracts." in body and "Which data can we use?" in body
    assert world.company.name not in body and "vendor@example.org" not in body
    assert "<p onclick" not in body
    api = world.client(None).get(f"/api/v1/market/public/challenges/{market.challenge.pk}")
    assert api.status_code == 200 and api.json()["proposal_count"] == 2
    assert world.company.name not in api.content.decode()


def test_draft_challenge_is_not_public(world):
    draft = services.challenge_create(
        actor=world.principal("staff"), unit=world.unit, title="Draft challenge", context="<p>x</p>"
    )
    assert world.client(None).get(f"/market/challenges/{draft.pk}/").status_code == 404
    assert world.client("outsider").get(f"/market/challenges/{draft.pk}/").status_code == 404
    assert world.client("staff").get(f"/market/challenges/{draft.pk}/").status_code == 200


def test_outsider_and_other_vendor_get_404(world, market):
    outsider = world.client("outsider")
    assert outsider.get(f"/market/challenges/{market.challenge.pk}/manage/").status_code == 404
    assert outsider.get(f"/market/proposals/{market.proposal.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/market/proposals/{market.proposal.pk}").status_code == 404
    vendor = world.client("vendor")
    assert vendor.get(f"/market/proposals/{market.rival_proposal.pk}/").status_code == 404
    assert vendor.get(f"/api/v1/market/proposals/{market.rival_proposal.pk}").status_code == 404
    listed = vendor.get("/api/v1/market/proposals").json()["items"]
    assert [p["id"] for p in listed] == [market.proposal.pk]


def test_vendor_cannot_submit_as_another_company(world, market):
    response = world.client("vendor").post(
        f"/api/v1/market/challenges/{market.challenge.pk}/proposals",
        {
            "phase": "feasibility",
            "content": "x" * 60,
            "price": "100",
            "organization_id": market.rival.company.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 404


def test_late_submission_refused_by_api_with_message(world, market):
    close_submissions(market.challenge)
    response = world.client("vendor").post(
        f"/api/v1/market/challenges/{market.challenge.pk}/proposals",
        {"phase": "feasibility", "content": "x" * 60, "price": "100"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "deadline has passed" in response.json()["detail"]


def test_content_sealed_message_before_deadline(world, market):
    response = world.client("staff").get(f"/api/v1/market/proposals/{market.proposal.pk}/content")
    assert response.status_code == 422
    assert "sealed until the submission deadline" in response.json()["detail"]


def test_conflicted_evaluator_404_on_page_and_api(world, market):
    close_submissions(market.challenge, world=world)
    client = world.client("evaluator")
    response = client.post(
        f"/api/v1/market/proposals/{market.proposal.pk}/declaration",
        {"has_conflict": True, "note": "former client"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert client.get(f"/market/proposals/{market.proposal.pk}/").status_code == 404
    assert client.get(f"/api/v1/market/proposals/{market.proposal.pk}").status_code == 404
    assert client.get(f"/api/v1/market/proposals/{market.proposal.pk}/content").status_code == 404
    ranking = client.get(f"/api/v1/market/challenges/{market.challenge.pk}/ranking").json()
    assert market.proposal.code not in {r["code"] for r in ranking}


def test_out_of_rubric_score_refused_by_api(world, market):
    close_submissions(market.challenge, world=world)
    client = world.client("evaluator")
    client.post(
        f"/api/v1/market/proposals/{market.proposal.pk}/declaration",
        {"has_conflict": False},
        content_type="application/json",
    )
    criterion = market.challenge.criteria.get(name="Value for money")
    response = client.post(
        f"/api/v1/market/proposals/{market.proposal.pk}/scores",
        {
            "criterion_id": criterion.pk,
            "score": 9,
            "justification": "Generous but out of the 0-5 scale.",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "from 0 to 5" in response.json()["detail"]


def test_anonymous_mode_leaks_no_vendor_identity(world):
    challenge, phase = open_challenge(world, anonymous=True)
    proposal = submit(world, challenge, phase, world.company, "anonymous plan")
    services.proposal_file_add(
        actor=world.principal("vendor"),
        proposal=proposal,
        name="Startup Ltd offer.pdf",
        data=PDF_BYTES,
    )
    close_submissions(challenge, world=world)
    declare_no_conflict(world, proposal)
    name = world.company.name
    file_id = proposal.files.get().pk
    for role in ("staff", "evaluator", "auditor"):
        client = world.client(role)
        urls = [
            "/market/",
            f"/market/challenges/{challenge.pk}/",
            f"/market/proposals/{proposal.pk}/",
            f"/market/challenges/{challenge.pk}/ranking.csv",
            f"/market/challenges/{challenge.pk}/ranking.json",
            "/api/v1/market/proposals",
            f"/api/v1/market/proposals/{proposal.pk}",
            f"/api/v1/market/proposals/{proposal.pk}/content",
            f"/api/v1/market/challenges/{challenge.pk}/ranking",
            "/api/v1/open-data/ocds/release-package.json",
        ]
        if role == "staff":
            urls.append(f"/market/challenges/{challenge.pk}/manage/")
        if role in ("staff", "auditor"):
            urls.append("/audit/")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response_body(response).decode()
            assert name not in text, f"{role} {url}"
            assert world.people["vendor"].email not in text, f"{role} {url}"
            assert world.people["vendor"].full_name not in text, f"{role} {url}"
            assert (
                "Content-Disposition" not in response or name not in response["Content-Disposition"]
            )
        download = client.get(f"/api/v1/market/proposal-files/{file_id}")
        # Anonymous calls store the file without its metadata (ADR 0007), still a PDF.
        assert download.status_code == 200 and download.content.startswith(b"%PDF-")
        assert name.encode() not in download.content
        assert name.split()[0] not in download["Content-Disposition"]
        assert proposal.code in download["Content-Disposition"]
    # The vendor itself still sees its own name and original file name.
    own = world.client("vendor").get(f"/api/v1/market/proposals/{proposal.pk}").json()
    assert own["vendor_name"] == name and own["files"][0]["name"] == "StartupLtdoffer.pdf"


def test_ranking_csv_neutralises_formula_injection(world):
    Organization.objects.filter(pk=world.company.pk).update(name='=HYPERLINK("http://x","y")')
    challenge, phase = open_challenge(world)
    submit(world, challenge, phase, world.company, "formula")
    close_submissions(challenge, world=world)
    response = world.client("staff").get(f"/market/challenges/{challenge.pk}/ranking.csv")
    rows = list(csv.reader(io.StringIO(response_body(response).decode())))
    vendor_cells = [row[2] for row in rows[1:]]
    assert vendor_cells == ['\'=HYPERLINK("http://x","y")']


def _set_criteria(staff, cid: int) -> None:
    """Weights must sum to 100: a wrong sum is refused naming the rule, a right one kept."""
    bad = staff.put(
        f"/api/v1/market/challenges/{cid}/criteria",
        {"criteria": [{"name": "Impact", "weight": 60}, {"name": "Cost", "weight": 30}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "sum to 100" in bad.json()["detail"]
    assert (
        staff.put(
            f"/api/v1/market/challenges/{cid}/criteria",
            {
                "criteria": [
                    {"name": "Impact", "weight": 70},
                    {"name": "Cost", "weight": 30, "max_score": 5},
                ]
            },
            content_type="application/json",
        ).status_code
        == 200
    )


def _open_call_from_a_need(world) -> int:
    """Need, merged into a challenge, phase, criteria (a wrong sum refused), deadline, open."""
    official, staff = world.client("official"), world.client("staff")
    need = official.post(
        "/api/v1/market/needs",
        {
            "agency_id": world.agency.pk,
            "title": "Licence renewals queue",
            "what_is_wrong": "Shopkeepers queue for hours to renew licences at the counter.",
            "who_is_affected": "Small shopkeepers",
            "current_cost": "38.50",
        },
        content_type="application/json",
    )
    assert need.status_code == 201, need.content
    challenge = staff.post(
        "/api/v1/market/needs/merge",
        {"need_ids": [need.json()["id"]]},
        content_type="application/json",
    ).json()
    cid = challenge["id"]
    assert (
        staff.post(
            f"/api/v1/market/challenges/{cid}/phases",
            {"kind": "pilot", "budget": "90000", "awards_count": 1},
            content_type="application/json",
        ).status_code
        == 201
    )
    _set_criteria(staff, cid)
    deadline = (timezone.now() + timedelta(days=3)).isoformat()
    assert (
        staff.patch(
            f"/api/v1/market/challenges/{cid}",
            {"submission_deadline": deadline},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert (
        staff.post(
            f"/api/v1/market/challenges/{cid}/status",
            {"to_status": "open"},
            content_type="application/json",
        ).status_code
        == 200
    )
    return cid


def _score_award_and_sign(world, cid: int, pid: int) -> None:
    """Declaration, a score per criterion, the weighted ranking, the award, the contract."""
    staff = world.client("staff")
    evaluator = world.client("evaluator")
    evaluator.post(
        f"/api/v1/market/proposals/{pid}/declaration",
        {"has_conflict": False},
        content_type="application/json",
    )
    for c in staff.get(f"/api/v1/market/challenges/{cid}").json()["criteria"]:
        r = evaluator.post(
            f"/api/v1/market/proposals/{pid}/scores",
            {
                "criterion_id": c["id"],
                "score": 4,
                "justification": "Clear plan with measurable outcomes.",
            },
            content_type="application/json",
        )
        assert r.status_code == 201, r.content
    ranking = staff.get(f"/api/v1/market/challenges/{cid}/ranking").json()
    assert ranking[0]["weighted_score"] == 70 * 4 / 10 + 30 * 4 / 5
    award = staff.post(
        f"/api/v1/market/proposals/{pid}/award",
        {"amount": "85000", "rationale": "Only proposal, scored well above 50."},
        content_type="application/json",
    )
    assert award.status_code == 201
    today = timezone.localdate().isoformat()
    contract = staff.post(
        f"/api/v1/market/awards/{award.json()['id']}/contract",
        {"value": "85000", "signed_on": today, "starts_on": today, "ends_on": today},
        content_type="application/json",
    )
    assert contract.status_code == 201, contract.content


def test_need_to_awarded_pilot_through_the_api(world):
    """The whole path in the API: need, merge, set-up, open, propose, score, award, contract."""
    cid = _open_call_from_a_need(world)
    proposal = world.client("vendor").post(
        f"/api/v1/market/challenges/{cid}/proposals",
        {
            "phase": "pilot",
            "content": "We pilot online renewals with reminders. " * 3,
            "price": "85000",
        },
        content_type="application/json",
    )
    assert proposal.status_code == 201 and proposal.json()["price"] is not None
    pid = proposal.json()["id"]
    close_submissions(Challenge.objects.get(pk=cid), world=world)
    _score_award_and_sign(world, cid, pid)
    staff = world.client("staff")
    metrics = staff.get("/api/v1/market/metrics").json()
    assert metrics["single_bid_rate"] == 1.0 and metrics["hhi"] == 10000
    assert metrics["days_need_to_contract"] == [0]
    assert Decimal(metrics["award_value"]) == Decimal("85000")
    assert world.client("staff").get("/market/metrics/").status_code == 200


def test_list_page_query_count_is_pinned(world, market, django_assert_max_num_queries):
    client = world.client("staff")
    with django_assert_max_num_queries(25):
        assert client.get("/market/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/api/v1/market/proposals").status_code == 200
