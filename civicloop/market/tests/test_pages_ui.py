"""The unit's web pages for what was API-only: editing a challenge, and a contract's milestones
and payments. Driven through the Django test client as a browser would submit the forms."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicloop.core.models import AuditEvent
from civicloop.market import services
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    ChangeLogEntry,
    Milestone,
    MilestoneStatus,
    Payment,
)
from civicloop.market.tests.factories import awarded_contract, form_values, open_challenge
from civicloop.portfolio.tests.factories import ProblemFactory

pytestmark = pytest.mark.django_db

REASON = "Vendors asked for the target to be measurable."


def _edit_url(challenge: Challenge) -> str:
    return f"/market/challenges/{challenge.pk}/edit/"


def _edit_form(client, challenge: Challenge) -> dict[str, str]:
    response = client.get(_edit_url(challenge))
    assert response.status_code == 200
    return form_values(response.content.decode(), "reason")


# --- editing a challenge -----------------------------------------------------------------------


def test_staff_edits_a_draft_without_a_public_log(world):
    draft = services.challenge_create(
        actor=world.principal("staff"),
        unit=world.unit,
        title="Licence queues",
        context="<p>Shopkeepers queue at the counter.</p>",
    )
    client = world.client("staff")
    data = _edit_form(client, draft)
    assert data["title"] == "Licence queues"
    data["title"] = "Licence renewal queues"
    response = client.post(_edit_url(draft), data)
    assert response.status_code == 302 and response["Location"].endswith(
        f"/market/challenges/{draft.pk}/manage/"
    )
    draft.refresh_from_db()
    assert draft.title == "Licence renewal queues"
    # A draft is not public yet: no change log, but the audit trail has the change.
    assert not ChangeLogEntry.objects.filter(challenge=draft).exists()
    event = AuditEvent.objects.filter(action=MarketEvent.CHALLENGE_UPDATED).get()
    assert event.before is not None and event.after is not None
    assert event.before["title"] == "Licence queues"
    assert event.after["title"] == "Licence renewal queues"


def test_published_change_needs_a_public_reason(world):
    challenge, _ = open_challenge(world)
    client = world.client("staff")
    data = _edit_form(client, challenge)
    data["outcomes_sought"] = "Half of renewals online within a year, measured monthly."
    response = client.post(_edit_url(challenge), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Reason for the change: A published challenge changes only with a reason" in body
    assert "at least 10 characters" in body
    challenge.refresh_from_db()
    assert challenge.outcomes_sought == "Half of renewals online within a year."
    assert not ChangeLogEntry.objects.exists()

    data["reason"] = REASON
    assert client.post(_edit_url(challenge), data).status_code == 302
    entry = ChangeLogEntry.objects.get()
    assert (entry.field, entry.before, entry.after, entry.reason) == (
        "outcomes_sought",
        "Half of renewals online within a year.",
        "Half of renewals online within a year, measured monthly.",
        REASON,
    )
    assert entry.changed_by == world.people["staff"]
    public = world.client(None).get(f"/market/challenges/{challenge.pk}/").content.decode()
    assert REASON in public
    # The public log names the field as people read it, not the column name.
    assert "Outcomes sought" in public and "outcomes_sought" not in public


def test_resubmitting_the_form_untouched_logs_nothing(world):
    """Browsers send textarea line breaks as CRLF; that alone is not a public change."""
    challenge, _ = open_challenge(world)
    services.challenge_update(
        actor=world.principal("staff"),
        challenge=challenge,
        reason=REASON,
        constraints="<p>No new hardware.</p>\n<p>Works on phones.</p>",
    )
    client = world.client("staff")
    data = {k: v.replace("\n", "\r\n") for k, v in _edit_form(client, challenge).items()}
    assert "\r\n" in data["constraints"]
    response = client.post(_edit_url(challenge), data, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert ChangeLogEntry.objects.count() == 1  # only the service call above


def test_ui_edit_writes_the_same_change_log_and_audit_as_the_api(world):
    by_api, _ = open_challenge(world, title="Renewals by API")
    by_page, _ = open_challenge(world, title="Renewals by page")
    client = world.client("staff")
    new_outcomes = "Two thirds of renewals online within a year."
    api = client.patch(
        f"/api/v1/market/challenges/{by_api.pk}",
        json.dumps({"outcomes_sought": new_outcomes, "reason": REASON}),
        content_type="application/json",
    )
    assert api.status_code == 200, api.content
    data = _edit_form(client, by_page)
    data.update(outcomes_sought=new_outcomes, reason=REASON)
    assert client.post(_edit_url(by_page), data).status_code == 302

    def logged(challenge):
        return [
            (e.field, e.before, e.after, e.reason, e.changed_by_id)
            for e in ChangeLogEntry.objects.filter(challenge=challenge)
        ]

    assert logged(by_page) == logged(by_api) != []

    def audited(challenge):
        event = AuditEvent.objects.get(
            action=MarketEvent.CHALLENGE_UPDATED, object_id=str(challenge.pk)
        )
        assert event.before is not None and event.after is not None
        changed = {k for k in event.after if event.after[k] != event.before.get(k)}
        return event.actor_label, event.metadata, changed - {"updated_at"}

    assert audited(by_page) == audited(by_api)
    assert audited(by_page)[2] == {"outcomes_sought"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Tiny", "Title: Ensure this value has at least 5 characters"),
        ("context", "", "Context: the problem, not a solution: This field is required."),
        ("context", "<p> </p>", "Describe the context of the problem."),
        ("submission_deadline", "2020-01-01T09:00", "The deadline must stay in the future."),
        ("consultation_closes_at", "not a date", "Enter a valid date/time."),
        ("problem", "999999", "Select a valid choice."),
    ],
)
def test_bad_input_names_the_field_and_rule_and_stores_nothing(world, field, value, message):
    challenge, _ = open_challenge(world)
    client = world.client("staff")
    data = _edit_form(client, challenge)
    data[field] = value
    data["reason"] = REASON
    response = client.post(_edit_url(challenge), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    fresh = Challenge.objects.get(pk=challenge.pk)
    assert (fresh.title, fresh.context, fresh.submission_deadline) == (
        challenge.title,
        challenge.context,
        challenge.submission_deadline,
    )
    assert not ChangeLogEntry.objects.exists()


def test_problem_of_another_unit_is_refused_by_the_service(world):
    challenge, _ = open_challenge(world)
    foreign = ProblemFactory.create(unit=world.other_unit, owner_agency=world.other_unit_agency)
    with pytest.raises(ValidationError, match="another unit"):
        services.challenge_update(
            actor=world.principal("staff"), challenge=challenge, reason=REASON, problem=foreign
        )


def test_linking_a_problem_is_logged_with_its_title(world):
    challenge, _ = open_challenge(world)
    problem = ProblemFactory.create(
        unit=world.unit, owner_agency=world.agency, title="Renewal backlog"
    )
    client = world.client("staff")
    data = _edit_form(client, challenge)
    data.update(problem=str(problem.pk), reason=REASON)
    assert client.post(_edit_url(challenge), data).status_code == 302
    entry = ChangeLogEntry.objects.get()
    assert (entry.field, entry.after) == ("problem", "Renewal backlog")


def test_after_the_deadline_the_page_offers_no_form_and_refuses_changes(world, market):
    contract = awarded_contract(world, market)
    challenge = contract.award.challenge
    client = world.client("staff")
    page = client.get(_edit_url(challenge)).content.decode()
    assert "can no longer change" in page and 'name="reason"' not in page
    response = client.post(_edit_url(challenge), {"title": "A new title", "reason": REASON})
    assert response.status_code == 422
    assert "A challenge cannot change after its deadline." in response.content.decode()
    assert Challenge.objects.get(pk=challenge.pk).title == challenge.title


@pytest.mark.parametrize("role", ["evaluator", "auditor", "vendor", "official", "outsider"])
def test_only_the_units_staff_reach_the_edit_page(world, role):
    challenge, _ = open_challenge(world)
    client = world.client(role)
    assert client.get(_edit_url(challenge)).status_code == 404
    response = client.post(_edit_url(challenge), {"title": "Taken over", "reason": REASON})
    assert response.status_code == 404
    assert Challenge.objects.get(pk=challenge.pk).title == challenge.title


# --- contract: milestones and payments ---------------------------------------------------------


def _contract_url(contract) -> str:
    return f"/market/contracts/{contract.pk}/"


CONTRACT_ACTIONS = (
    MarketEvent.MILESTONE_ADDED,
    MarketEvent.MILESTONE_UPDATED,
    MarketEvent.PAYMENT_RECORDED,
)


def _contract_audit_actions() -> list[str]:
    """The contract page's audit events, oldest first."""
    return list(
        AuditEvent.objects.filter(action__in=CONTRACT_ACTIONS)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_staff_adds_milestone_marks_it_met_and_records_payment(world, market):
    contract = awarded_contract(world, market)
    client = world.client("staff")
    due = timezone.localdate() + timedelta(days=30)
    response = client.post(
        _contract_url(contract),
        {
            "action": "milestone",
            "milestone-title": "Discovery report",
            "milestone-due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(contract=contract)
    assert (milestone.title, milestone.due_on, milestone.status) == (
        "Discovery report",
        due,
        MilestoneStatus.SCHEDULED,
    )
    page = client.get(_contract_url(contract)).content.decode()
    assert "Discovery report" in page and "Scheduled" in page

    response = client.post(
        _contract_url(contract),
        {"action": "status", "milestone": milestone.pk, f"milestone-{milestone.pk}-status": "met"},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.MET

    response = client.post(
        _contract_url(contract),
        {
            "action": "payment",
            "payment-amount": "15000",
            "payment-paid_on": timezone.localdate().isoformat(),
            "payment-milestone": str(milestone.pk),
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.milestone) == (Decimal("15000"), milestone)

    page = client.get(_contract_url(contract)).content.decode()
    # 15 000 of 40 000 paid: 37.5%, 25 000 still to pay.
    assert "15,000.00 EUR (37.5% of the contract value)" in page
    assert "25,000.00 EUR" in page
    assert "Met" in page and ">met<" not in page
    assert _contract_audit_actions() == list(CONTRACT_ACTIONS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "milestone", "milestone-title": "Report"}, "Due on: This field is required."),
        (
            {"action": "milestone", "milestone-title": " ", "milestone-due_on": "2030-01-01"},
            "Milestone: This field is required.",
        ),
        (
            {"action": "payment", "payment-amount": "0", "payment-paid_on": "2030-01-01"},
            "Amount: Ensure this value is greater than or equal to 0.01.",
        ),
        (
            {"action": "payment", "payment-amount": "40000.01", "payment-paid_on": "2030-01-01"},
            "Amount: Payments would exceed the contract value of 40000.00 (already paid 0).",
        ),
        (
            {"action": "payment", "payment-amount": "100", "payment-paid_on": "next week"},
            "Paid on: Enter a valid date.",
        ),
    ],
)
def test_contract_bad_input_names_the_field_and_rule(world, market, data, message):
    contract = awarded_contract(world, market)
    response = world.client("staff").post(_contract_url(contract), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert not Milestone.objects.exists() and not Payment.objects.exists()


def test_unknown_milestone_status_is_refused(world, market):
    contract = awarded_contract(world, market)
    staff = world.principal("staff")
    milestone = services.milestone_add(
        actor=staff, contract=contract, title="Prototype", due_on=timezone.localdate()
    )
    response = world.client("staff").post(
        _contract_url(contract),
        {"action": "status", "milestone": milestone.pk, f"milestone-{milestone.pk}-status": "done"},
    )
    assert response.status_code == 422
    assert "Select a valid choice. done is not one of the available choices." in (
        response.content.decode()
    )
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED


@pytest.mark.parametrize("role", ["evaluator", "auditor", "vendor"])
def test_read_only_roles_see_the_ledger_but_cannot_change_it(world, market, role):
    contract = awarded_contract(world, market)
    staff = world.principal("staff")
    milestone = services.milestone_add(
        actor=staff, contract=contract, title="Prototype live", due_on=timezone.localdate()
    )
    services.payment_record(
        actor=staff,
        contract=contract,
        amount=Decimal("10000"),
        paid_on=timezone.localdate(),
        milestone=milestone,
    )
    client = world.client(role)
    page = client.get(_contract_url(contract))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Prototype live" in body and "10,000.00 EUR (25.0% of the contract value)" in body
    assert 'name="action"' not in body and '<form method="post" novalidate>' not in body
    posts = [
        {"action": "milestone", "milestone-title": "Sneaky", "milestone-due_on": "2030-01-01"},
        {"action": "status", "milestone": milestone.pk, f"milestone-{milestone.pk}-status": "met"},
        {"action": "payment", "payment-amount": "1", "payment-paid_on": "2030-01-01"},
    ]
    for data in posts:
        assert client.post(_contract_url(contract), data).status_code == 404
    assert Milestone.objects.count() == 1 and Payment.objects.count() == 1
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.SCHEDULED


@pytest.mark.parametrize("role", ["official", "other_official", "outsider"])
def test_contract_out_of_scope_is_404(world, market, role):
    contract = awarded_contract(world, market)
    client = world.client(role)
    assert client.get(_contract_url(contract)).status_code == 404
    assert (
        client.post(
            _contract_url(contract),
            {"action": "payment", "payment-amount": "1", "payment-paid_on": "2030-01-01"},
        ).status_code
        == 404
    )
    rival = world.client(None)
    rival.force_login(market.rival.person)
    assert rival.get(_contract_url(contract)).status_code == 404


def test_a_milestone_of_another_contract_cannot_be_changed_here(world, market):
    contract = awarded_contract(world, market)
    other_challenge, phase = open_challenge(world, title="Second challenge")
    from civicloop.market.tests.factories import close_submissions, submit

    proposal = submit(world, other_challenge, phase, world.company, "second")
    close_submissions(other_challenge, world=world)
    staff = world.principal("staff")
    award = services.award_decide(
        actor=staff, proposal=proposal, amount=Decimal("100"), rationale="x" * 25
    )
    today = timezone.localdate()
    other = services.contract_sign(
        actor=staff,
        award=award,
        title="Other",
        value=Decimal("100"),
        signed_on=today,
        starts_on=today,
        ends_on=today,
    )
    foreign = services.milestone_add(actor=staff, contract=other, title="Elsewhere", due_on=today)
    response = world.client("staff").post(
        _contract_url(contract),
        {"action": "status", "milestone": foreign.pk, f"milestone-{foreign.pk}-status": "met"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == MilestoneStatus.SCHEDULED


def test_manage_page_links_the_signed_contract(world, market):
    contract = awarded_contract(world, market)
    page = world.client("staff").get(f"/market/challenges/{contract.award.challenge_id}/manage/")
    body = page.content.decode()
    assert f'href="/market/contracts/{contract.pk}/"' in body
    assert f"/market/awards/{contract.award_id}/contract/" not in body
    public = world.client("auditor").get(f"/market/challenges/{contract.award.challenge_id}/")
    assert f'href="/market/contracts/{contract.pk}/"' in public.content.decode()
    assert f"/market/contracts/{contract.pk}/" not in (
        world.client(None)
        .get(f"/market/challenges/{contract.award.challenge_id}/")
        .content.decode()
    )


# --- human labels instead of stored codes ------------------------------------------------------


def test_pages_show_labels_not_codes(world, market):
    staff = world.client("staff")
    manage = staff.get(f"/market/challenges/{market.challenge.pk}/manage/").content.decode()
    assert ">Feasibility<" in manage and ">Submitted<" in manage
    assert ">feasibility<" not in manage and ">submitted<" not in manage
    proposal = world.client("vendor").get(f"/market/proposals/{market.proposal.pk}/")
    body = proposal.content.decode()
    assert ">Feasibility<" in body and "Submitted (revision 1)" in body
    home = world.client("vendor").get("/market/").content.decode()
    assert "Submitted (sealed)" in home and "submitted (sealed)" not in home
    services.vendor_register(
        actor=world.principal("vendor"),
        organization=world.company,
        sme_size="small",
        founding_year=2021,
        capabilities="Online forms and licensing workflows for local government.",
    )
    vendors = staff.get("/market/vendors/").content.decode()
    assert "Small (&lt;50 staff" in vendors and ">small<" not in vendors
