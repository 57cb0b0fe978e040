"""Pages: public ones for everyone, citizens' own, and staff's scoped to their unit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.participation import services
from civicloop.participation.models import Comment, Proposal, ProposalStatus, Support
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db


def _client_for(principal) -> Client:
    client = Client()
    client.force_login(principal.person)
    return client


def test_public_pages_need_no_sign_in(world, ana):
    proposal = published(world, ana)
    client = Client()
    page = client.get(reverse("participation:list"))
    assert page.status_code == 200
    assert proposal.title in page.content.decode()
    detail = client.get(reverse("participation:detail", args=[proposal.pk]))
    assert detail.status_code == 200
    assert "0 people support this." in detail.content.decode()
    assert "Ana from the north" in detail.content.decode()


def test_a_proposal_awaiting_moderation_is_404_for_the_public(world, ana):
    proposal = services.proposal_submit(
        actor=ana,
        unit_id=world.unit.pk,
        kind="idea",
        title="Not yet public",
        body="This text has not been moderated and must not be public.",
        language="en",
    )
    assert Client().get(reverse("participation:detail", args=[proposal.pk])).status_code == 404


def test_a_citizen_proposes_supports_and_comments_through_the_pages(world, ana, citizen_of):
    client = _client_for(ana)
    response = client.post(
        reverse("participation:propose"),
        {
            "unit_id": world.unit.pk,
            "kind": "problem",
            "title": "Street lights off on Calle Mayor",
            "body": "Half of the street lights are off since October; write to me at a@b.es",
            "language": "en",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert "a@b.es" not in proposal.body
    services.proposal_moderate(
        actor=world.principal("staff"), proposal=proposal, decision="publish"
    )
    bea = _client_for(citizen_of("bea@example.net"))
    assert (
        bea.post(reverse("participation:support", args=[proposal.pk]), {"follow": "on"}).status_code
        == 302
    )
    page = bea.get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    assert "1 person supports this." in page
    assert "Withdraw my support" in page
    bea.post(
        reverse("participation:comment", args=[proposal.pk]),
        {"body": "Same on my street.", "language": "en"},
    )
    assert Comment.objects.get().status == "pending"
    assert (
        "Same on my street."
        not in Client().get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    )


def test_the_honeypot_stores_nothing(world, ana):
    client = _client_for(ana)
    response = client.post(
        reverse("participation:propose"),
        {
            "unit_id": world.unit.pk,
            "kind": "problem",
            "title": "Buy now",
            "body": "An automated submission that filled every field, including the trap.",
            "language": "en",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 302
    assert not Proposal.objects.exists()


def test_an_unverified_citizen_is_told_to_confirm(world, citizen_of):
    client = _client_for(citizen_of("new@example.net", verified=False))
    response = client.get(reverse("participation:propose"))
    assert response.status_code == 403
    assert "Confirm your e-mail address" in response.content.decode()


def test_too_many_proposals_answer_429(world, ana):
    client = _client_for(ana)
    data = {
        "unit_id": world.unit.pk,
        "kind": "idea",
        "title": "Benches at the stops",
        "body": "Older people wait standing for 20 minutes at the stops.",
        "language": "en",
    }
    for _ in range(3):
        assert client.post(reverse("participation:propose"), data).status_code == 302
    response = client.post(reverse("participation:propose"), data)
    assert response.status_code == 429
    assert "at most 3" in response.content.decode()


# staff pages: (queue, proposal page, moderate) status codes per role
MATRIX = {
    "staff": (200, 200, 302),
    "outsider": (200, 404, 404),  # staff of another unit: their queue, never this proposal
    "auditor": (404, 404, 404),
    "evaluator": (404, 404, 404),
    "official": (404, 404, 404),
    "vendor": (404, 404, 404),
}


@pytest.mark.parametrize("role", MATRIX)
def test_permission_matrix_for_staff_pages(world, ana, role):
    proposal = services.proposal_submit(
        actor=ana,
        unit_id=world.unit.pk,
        kind="idea",
        title="Benches at the stops",
        body="Older people wait standing for 20 minutes at the stops.",
        language="en",
    )
    client = world.client(role)
    queue, page, moderate = MATRIX[role]
    assert client.get(reverse("participation:staff_queue")).status_code == queue
    url = reverse("participation:staff_proposal", args=[proposal.pk])
    assert client.get(url).status_code == page
    response = client.post(url, {"action": "moderate", "decision": "publish", "reason": ""})
    assert response.status_code == moderate
    proposal.refresh_from_db()
    assert (proposal.status == ProposalStatus.PUBLISHED) == (role == "staff")


def test_anonymous_staff_pages_send_to_sign_in(world):
    response = Client().get(reverse("participation:staff_queue"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_triage_and_answer_through_the_page(world, ana):
    proposal = published(world, ana)
    client = world.client("staff")
    url = reverse("participation:staff_proposal", args=[proposal.pk])
    response = client.post(
        url, {"action": "triage", "owner_agency": world.other_unit_agency.pk, "facet": "mission"}
    )
    assert response.status_code == 422  # another unit's agency is not a choice
    response = client.post(
        url, {"action": "triage", "owner_agency": world.agency.pk, "facet": "mission"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.problem is not None
    response = client.post(url, {"action": "answer", "answer": "short"})
    assert response.status_code == 422
    assert "at least 20 characters" in response.content.decode()
    client.post(url, {"action": "answer", "answer": "We are testing new lights in March 2027."})
    public = Client().get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    assert "We are testing new lights in March 2027." in public
    assert "Taken into the portfolio" in public


def test_held_supports_are_reviewed_on_the_queue(world, ana, citizen_of):
    proposal = published(world, ana)
    for n in range(3):
        services.support_add(
            actor=citizen_of(f"h{n}@same.example"), proposal=proposal, client_hash="one"
        )
    client = world.client("staff")
    queue = client.get(reverse("participation:staff_queue")).content.decode()
    assert "held-supports" in queue
    support = Support.objects.order_by("pk")[0]
    assert (
        world.client("outsider")
        .post(reverse("participation:staff_support", args=[support.pk]), {"decision": "count"})
        .status_code
        == 404
    )
    client.post(reverse("participation:staff_support", args=[support.pk]), {"decision": "count"})
    assert services.support_count(proposal) == 1


def test_settings_page_sets_the_rule(world):
    client = world.client("staff")
    url = reverse("participation:staff_settings")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"unit": world.unit.pk, "support_threshold": 0, "answer_days": 10, "accepting": "on"}
    )
    assert response.status_code == 422
    client.post(
        url, {"unit": world.unit.pk, "support_threshold": 50, "answer_days": 30, "accepting": "on"}
    )
    assert world.unit.participation_settings.support_threshold == 50
    assert (
        world.client("outsider")
        .post(url, {"unit": world.unit.pk, "support_threshold": 1, "answer_days": 1})
        .status_code
        == 404
    )


def test_staff_find_the_moderation_queue_in_the_menu(world):
    page = world.client("staff").get(reverse("portfolio:list")).content.decode()
    assert f'href="{reverse("participation:staff_queue")}"' in page
    auditor = world.client("auditor").get(reverse("portfolio:list")).content.decode()
    assert reverse("participation:staff_queue") not in auditor


def test_a_citizen_lands_on_the_proposals_after_signing_in(world, ana):
    person = ana.person
    assert person is not None
    person.set_password("a-long-citizen-passphrase-42")
    person.save()
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": person.email, "password": "a-long-citizen-passphrase-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participation:list")
    # unit staff still land on the portfolio
    staff = world.people["staff"]
    staff.set_password("a-long-staff-passphrase-42")
    staff.save()
    response = Client().post(
        reverse("account_login"), {"login": staff.email, "password": "a-long-staff-passphrase-42"}
    )
    assert response["Location"] == "/portfolio/"


def test_the_public_list_runs_a_fixed_number_of_queries(world, ana, citizen_of):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    published(world, ana, title="First proposal of the list")
    client = Client()
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("participation:list"))
    for n in range(4):
        proposal = published(world, citizen_of(f"w{n}@example.net"), title=f"Another proposal {n}")
        services.support_add(actor=citizen_of(f"q{n}@example.net"), proposal=proposal)
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("participation:list"))
    assert len(five) == len(one)
    assert page.content.decode().count("1 support") == 4


def test_the_public_pages_speak_spanish(world, ana):
    proposal = published(world, ana)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(reverse("participation:list")).content.decode()
    assert "Propuestas ciudadanas" in page and "0 apoyos" in page
    detail = client.get(reverse("participation:detail", args=[proposal.pk])).content.decode()
    assert "0 personas apoyan esto." in detail
