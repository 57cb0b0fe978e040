"""Sealed bids cannot be opened early (review F3, issue 12 finding 3).

The attack: staff shortened an open call's deadline to seconds ahead, read every sealed
proposal, then put the deadline back; a vendor then revised its price. The rule now (ADR 0007):
a published deadline only moves later, never after it passed; the seal lifts only after the
latest deadline ever published (`Challenge.sealed_until`, which the database keeps equal to the
deadline); an earlier date needs cancelling (every bid void, never opened, bidders told) and
re-publishing as a new call. Each test below tries one route that can change time, state or a
deadline, then sweeps every reader (staff, evaluator, auditor, another unit, the rival vendor,
read/write keys, a superuser, anonymous) over the routes that show content, price or files.

Time moves as elsewhere in the suite: by dating a call's stored instants back (`time_passes`),
never by patching the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from civicloop.core.models import Person
from civicloop.market import services
from civicloop.market.models import Challenge, ChangeLogEntry, Proposal, ProposalStatus
from civicloop.market.tests.factories import (
    CANARY,
    PDF_BYTES,
    RIVAL_CANARY,
    Rival,
    form_values,
    open_challenge,
    rival_vendor,
    submit,
)

PRICE = Decimal("41234.56")
RIVAL_PRICE = Decimal("38765.43")
FILE_CANARY = "FILE-SEALED-93c1e0"
REASON = "Deadline moved for operational reasons"


@dataclass
class Call:
    challenge: Challenge
    proposal: Proposal
    rival: Rival
    rival_proposal: Proposal
    file_id: int


@pytest.fixture
def call(world) -> Call:
    """An open call, 14 days to go, with two sealed proposals; the world vendor's has a file."""
    challenge, phase = open_challenge(world)
    proposal = submit(world, challenge, phase, world.company, CANARY, price=PRICE)
    rival = rival_vendor()
    rival_proposal = submit(
        rival.person, challenge, phase, rival.company, RIVAL_CANARY, price=RIVAL_PRICE
    )
    record = services.proposal_file_add(
        actor=world.principal("vendor"),
        proposal=proposal,
        name="offer.pdf",
        data=PDF_BYTES + f"% {FILE_CANARY}\n".encode(),
    )
    return Call(challenge, proposal, rival, rival_proposal, record.pk)


def time_passes(challenge: Challenge, delta: timedelta) -> None:
    """Move the clock forward by `delta` for this call: every stored instant goes back by it."""
    instants = ("published_at", "submission_deadline", "sealed_until", "cancelled_at")
    fields = {f.name for f in Challenge._meta.get_fields()}
    Challenge.objects.filter(pk=challenge.pk).update(
        **{name: F(name) - delta for name in instants if name in fields}
    )
    challenge.refresh_from_db()


def _secrets(price: Decimal, *canaries: str) -> list[bytes]:
    text = f"{price:.2f}"
    whole, cents = text.split(".")
    grouped = f"{int(whole):,}"
    return [c.encode() for c in canaries] + [
        text.encode(),
        f"{grouped}.{cents}".encode(),  # 41,234.56
        f"{grouped.replace(',', '.')},{cents}".encode(),  # 41.234,56 (Spanish pages)
    ]


def _readers(world, call: Call) -> dict[str, Client]:
    superuser = Person.objects.create_superuser(email="root@example.org", password="x" * 16)
    readers: dict[str, Client] = {"anonymous": Client()}
    for role in ("staff", "evaluator", "auditor", "outsider", "official"):
        readers[role] = world.client(role)
    readers["rival"] = Client()
    readers["rival"].force_login(call.rival.person)
    readers["superuser"] = Client()
    readers["superuser"].force_login(superuser)
    keys = {
        "unit_read_key": world.api_key("read"),
        "unit_write_key": world.api_key("write"),
        "other_unit_key": world.api_key("write", org=world.other_unit),
        "rival_key": world.api_key("write", org=call.rival.company),
    }
    for name, key in keys.items():
        readers[name] = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    return readers


def sealed_leaks(world, call: Call) -> list[str]:
    """Every (reader, URL) that shows sealed content, a price or a file of someone else's bid."""
    c, p, r, f = call.challenge.pk, call.proposal.pk, call.rival_proposal.pk, call.file_id
    api = [
        f"/api/v1/market/proposals/{p}/content",
        f"/api/v1/market/proposals/{r}/content",
        f"/api/v1/market/proposals/{p}",
        f"/api/v1/market/proposals/{r}",
        f"/api/v1/market/proposals?challenge_id={c}",
        f"/api/v1/market/proposal-files/{f}",
        f"/api/v1/market/challenges/{c}/ranking",
        "/api/v1/open-data/ocds/release-package.json",
    ]
    pages = [
        f"/market/proposals/{p}/",
        f"/market/proposals/{r}/",
        f"/market/files/{f}/",
        f"/market/challenges/{c}/manage/",
        f"/market/challenges/{c}/ranking.csv",
        f"/market/challenges/{c}/ranking.json",
        "/market/",
    ]
    own = _secrets(PRICE, CANARY, FILE_CANARY)
    rivals = _secrets(RIVAL_PRICE, RIVAL_CANARY)
    leaks = []
    for name, client in _readers(world, call).items():
        # The rival may read its own bid; nobody here may read the world vendor's.
        forbidden = own if name in ("rival", "rival_key") else own + rivals
        urls = api if name.endswith("_key") else api + pages
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, f"{name} {url}"
            body = b"".join(response) if response.streaming else response.content
            leaks += [f"{name} {url} {s.decode()}" for s in forbidden if s in body]
    return leaks


def _seal_holds(world, call: Call) -> None:
    assert sealed_leaks(world, call) == []
    # Control: the seal is not vacuous, the vendor reads its own bid through the same routes.
    own = world.client("vendor").get(f"/api/v1/market/proposals/{call.proposal.pk}/content")
    assert own.status_code == 200 and CANARY in own.json()["content"]


def _patch(client: Client, challenge: Challenge, **body):
    return client.patch(
        f"/api/v1/market/challenges/{challenge.pk}",
        json.dumps(body, default=str),
        content_type="application/json",
    )


def _deadline(challenge: Challenge):
    return Challenge.objects.get(pk=challenge.pk).submission_deadline


# --- the reported attack, step by step --------------------------------------------------------


def test_f3_shorten_read_restore_revise_is_refused(world, call):
    staff = world.client("staff")
    original = _deadline(call.challenge)
    content_url = f"/api/v1/market/proposals/{call.rival_proposal.pk}/content"
    assert staff.get(content_url).status_code == 422
    soon = timezone.now() + timedelta(seconds=15)
    shortened = _patch(staff, call.challenge, submission_deadline=soon.isoformat(), reason=REASON)
    assert shortened.status_code == 422
    assert "submission_deadline" in shortened.json()["detail"]
    assert "only move later" in shortened.json()["detail"]
    assert _deadline(call.challenge) == original
    time_passes(call.challenge, timedelta(seconds=20))
    assert staff.get(content_url).status_code == 422
    _seal_holds(world, call)
    assert not ChangeLogEntry.objects.filter(challenge=call.challenge).exists()


def test_a_unit_key_cannot_shorten_or_remove_the_deadline(world, call):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key('write')}")
    soon = timezone.now() + timedelta(minutes=1)
    response = _patch(client, call.challenge, submission_deadline=soon.isoformat(), reason=REASON)
    assert response.status_code == 422
    response = _patch(client, call.challenge, submission_deadline=None, reason=REASON)
    assert response.status_code == 422 and "cannot be removed" in response.json()["detail"]
    _seal_holds(world, call)


def test_edit_form_cannot_shorten(world, call):
    staff = world.client("staff")
    url = f"/market/challenges/{call.challenge.pk}/edit/"
    data = form_values(staff.get(url).content.decode(), "submission_deadline")
    soon = timezone.localtime(timezone.now() + timedelta(minutes=2))
    data.update(submission_deadline=soon.strftime("%Y-%m-%dT%H:%M"), reason=REASON)
    response = staff.post(url, data)
    assert response.status_code == 422
    assert "only move later" in response.content.decode()
    _seal_holds(world, call)


def test_extension_is_public_and_the_seal_follows_the_latest_deadline(world, call):
    staff = world.client("staff")
    first = _deadline(call.challenge)
    later = first + timedelta(days=7)
    extended = _patch(staff, call.challenge, submission_deadline=later.isoformat(), reason=REASON)
    assert extended.status_code == 200
    challenge = Challenge.objects.get(pk=call.challenge.pk)
    assert challenge.sealed_until == later == challenge.submission_deadline
    entry = ChangeLogEntry.objects.get(challenge=challenge, field="submission_deadline")
    assert entry.reason == REASON and entry.after == str(later)
    public = Client().get(f"/api/v1/market/public/challenges/{challenge.pk}").json()
    assert [c["field"] for c in public["changes"]] == ["submission_deadline"]
    # The first deadline passes: the seal holds until the extended one.
    time_passes(call.challenge, timedelta(days=14, minutes=1))
    _seal_holds(world, call)
    # Moving it back towards the original date is refused, too.
    back = timezone.now() + timedelta(days=3)
    moved_back = _patch(staff, call.challenge, submission_deadline=back.isoformat(), reason=REASON)
    assert moved_back.status_code == 422
    # Once the extended deadline passes, the seal lifts (control).
    time_passes(call.challenge, timedelta(days=7))
    evaluator = world.client("evaluator")
    # An evaluator declares on conflicts of interest before a bid opens for them (issue 15).
    evaluator.post(
        f"/api/v1/market/proposals/{call.rival_proposal.pk}/declaration",
        {"has_conflict": False},
        content_type="application/json",
    )
    opened = evaluator.get(f"/api/v1/market/proposals/{call.rival_proposal.pk}/content")
    assert opened.status_code == 200 and RIVAL_CANARY in opened.json()["content"]


def test_a_passed_deadline_cannot_move_at_all(world, call):
    """Re-opening a call whose bids may have been read is the same attack reversed."""
    time_passes(call.challenge, timedelta(days=14, minutes=1))
    staff = world.client("staff")
    later = timezone.now() + timedelta(days=30)
    response = _patch(staff, call.challenge, submission_deadline=later.isoformat(), reason=REASON)
    assert response.status_code == 422 and "has passed" in response.json()["detail"]
    # ... and the vendor cannot revise its price or add a file after it.
    vendor = world.client("vendor")
    revised = vendor.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/proposals",
        {"phase": "feasibility", "content": "x" * 60 + " revised", "price": "1000"},
        content_type="application/json",
    )
    assert revised.status_code == 422 and "late proposals are refused" in revised.json()["detail"]
    assert Proposal.objects.get(pk=call.proposal.pk).price == PRICE


def test_anonymity_cannot_be_switched_off_to_see_bidders(world):
    challenge, phase = open_challenge(world, anonymous=True)
    submit(world, challenge, phase, world.company, CANARY, price=PRICE)
    staff = world.client("staff")
    response = _patch(staff, challenge, anonymous_evaluation=False, reason=REASON)
    assert response.status_code == 422 and "anonymous_evaluation" in response.json()["detail"]
    listed = staff.get(f"/api/v1/market/proposals?challenge_id={challenge.pk}").json()
    assert world.company.name not in json.dumps(listed)


# --- phases, status moves, cancellation and re-publication ------------------------------------


def test_phase_edits_are_refused_once_open_and_carry_no_deadline(world, call):
    staff = world.client("staff")
    response = staff.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/phases",
        {"kind": "feasibility", "budget": "1", "awards_count": 1},
        content_type="application/json",
    )
    assert response.status_code == 422
    _seal_holds(world, call)


@pytest.mark.parametrize("to_status", ["evaluation", "draft", "consultation", "open"])
def test_status_moves_before_the_deadline_do_not_open(world, call, to_status):
    staff = world.client("staff")
    response = staff.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/status",
        {"to_status": to_status},
        content_type="application/json",
    )
    assert response.status_code == 422
    page = staff.post(
        f"/market/challenges/{call.challenge.pk}/manage/",
        {"action": "status", "to_status": to_status},
    )
    assert page.status_code == 302
    assert Challenge.objects.get(pk=call.challenge.pk).status == "open"
    _seal_holds(world, call)


def test_cancellation_voids_bids_for_good_and_tells_each_bidder(
    world, call, django_capture_on_commit_callbacks
):
    staff = world.client("staff")
    url = f"/api/v1/market/challenges/{call.challenge.pk}/status"
    refused = staff.post(url, {"to_status": "cancelled"}, content_type="application/json")
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(
            url,
            {"to_status": "cancelled", "reason": "The need changed; a new call will follow."},
            content_type="application/json",
        )
    assert done.status_code == 200
    assert set(
        Proposal.objects.filter(challenge=call.challenge).values_list("status", flat=True)
    ) == {ProposalStatus.VOIDED}
    # Public change log, one private e-mail per bidding vendor.
    entry = ChangeLogEntry.objects.get(challenge=call.challenge, field="status")
    assert (entry.before, entry.after) == ("open", "cancelled")
    assert sorted(m.to for m in mail.outbox) == sorted(
        [[world.people["vendor"].email], [call.rival.person.email]]
    )
    assert all("never be opened" in m.body for m in mail.outbox)
    assert all(RIVAL_CANARY not in m.body and CANARY not in m.body for m in mail.outbox)
    # In-app notice on the vendor's proposal page.
    page = world.client("vendor").get(f"/market/proposals/{call.proposal.pk}/")
    assert "Call cancelled" in page.content.decode()
    # Long after the deadline it would have had, nobody opens a voided bid.
    time_passes(call.challenge, timedelta(days=60))
    assert sealed_leaks(world, call) == []
    content = world.client("evaluator").get(
        f"/api/v1/market/proposals/{call.rival_proposal.pk}/content"
    )
    assert content.status_code == 422 and "void" in content.json()["detail"]


def test_republish_with_an_earlier_deadline_is_a_new_call_without_the_old_bids(world, call):
    staff = world.client("staff")
    staff.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/status",
        {"to_status": "cancelled", "reason": "The deadline must come earlier."},
        content_type="application/json",
    )
    earlier = timezone.now() + timedelta(days=2)
    response = staff.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/republish",
        {"submission_deadline": earlier.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201
    new = response.json()
    assert new["status"] == "draft" and new["proposal_count"] == 0
    again = staff.post(
        f"/api/v1/market/challenges/{call.challenge.pk}/republish",
        {"submission_deadline": earlier.isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 422  # one cancelled call gives one new call, not one per click
    assert "already been re-published" in again.json()["detail"]
    assert Challenge.objects.filter(title=call.challenge.title).count() == 2
    assert [p["kind"] for p in new["phases"]] == ["feasibility"] and len(new["criteria"]) == 3
    opened = staff.post(
        f"/api/v1/market/challenges/{new['id']}/status",
        {"to_status": "open"},
        content_type="application/json",
    )
    assert opened.status_code == 200
    # The new call's deadline passes; the old call's bids stay sealed for good.
    time_passes(Challenge.objects.get(pk=new["id"]), timedelta(days=3))
    time_passes(call.challenge, timedelta(days=30))
    assert sealed_leaks(world, call) == []


# --- import, raw writes and late submissions ---------------------------------------------------


def test_an_import_that_moves_only_the_deadline_is_refused_by_the_database(world, call, tmp_path):
    """`loaddata` (or any raw write) cannot move the deadline without the high-water mark."""
    past = timezone.now() - timedelta(minutes=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.filter(pk=call.challenge.pk).update(submission_deadline=past)
    fixture = tmp_path / "challenge.json"
    call_command("dumpdata", "market.Challenge", output=str(fixture))
    rows = json.loads(fixture.read_text())
    for row in rows:
        row["fields"]["submission_deadline"] = past.isoformat()
    fixture.write_text(json.dumps(rows))
    with pytest.raises(IntegrityError), transaction.atomic():
        call_command("loaddata", str(fixture), verbosity=0)
    _seal_holds(world, call)


def test_late_proposals_stay_refused_on_every_path(world, call):
    time_passes(call.challenge, timedelta(days=14, minutes=1))
    vendor = world.client("vendor")
    company_key = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key('write', org=world.company)}")
    body = {"phase": "feasibility", "content": "y" * 60 + " late", "price": "1"}
    url = f"/api/v1/market/challenges/{call.challenge.pk}/proposals"
    for client in (vendor, company_key):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422, response.content
    newcomer = rival_vendor("Late Comer SL", "late")
    late = Client()
    late.force_login(newcomer.person)
    assert late.post(url, body, content_type="application/json").status_code == 422
    upload = vendor.post(
        f"/api/v1/market/proposals/{call.proposal.pk}/files",
        {"file": SimpleUploadedFile("late.pdf", PDF_BYTES)},
    )
    assert upload.status_code == 422
    removal = vendor.delete(f"/api/v1/market/proposal-files/{call.file_id}")
    assert removal.status_code == 422
    page = vendor.post(
        f"/market/challenges/{call.challenge.pk}/propose/",
        {"phase": "feasibility", "content": "z" * 60, "price": "1"},
    )
    assert page.status_code == 422
    fresh = Proposal.objects.get(pk=call.proposal.pk)
    assert (fresh.price, fresh.revision, fresh.files.count()) == (PRICE, 1, 1)
    assert not Proposal.objects.filter(vendor=newcomer.company).exists()
