"""Evaluator assignment (issue 16): unit staff name who evaluates a challenge or a proposal; the
evaluator is told in-app, by e-mail and through the unit's webhooks; once a challenge has
assignments only the evaluators assigned see and score its proposals (ADR 0017)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client, override_settings

from civicloop.core.models import AuditEvent, Role
from civicloop.core.permissions import principal_for_person
from civicloop.core.tests.factories import MembershipFactory, PersonFactory
from civicloop.market import selectors, services
from civicloop.market.models import EvaluatorAssignment
from civicloop.market.tests.factories import close_submissions
from civicloop.notifications import services as notifications
from civicloop.notifications.models import Notification, WebhookDelivery

PORT = 8321  # this worktree's port range (8320-8329)


class Receiver:
    """A webhook endpoint on loopback that records what it receives."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def second_evaluator(world):
    person = PersonFactory.create(email="evaluator2@example.org", full_name="Second Evaluator")
    MembershipFactory.create(person=person, organization=world.unit, role=Role.EVALUATOR)
    return person


def _assign(world, market, person, proposal=None):
    return services.evaluator_assign(
        actor=world.principal("staff"),
        challenge=market.challenge,
        evaluator=person,
        proposal=proposal,
    )


def _visible(person, market) -> set[str]:
    viewer = principal_for_person(person)
    return {
        p.code for p in selectors.proposal_list(viewer=viewer, challenge_id=market.challenge.pk)
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Evaluation assigned: Faster licence renewals"),
        ("es", "Evaluación asignada: Faster licence renewals"),
    ],
)
@override_settings(CIVICLOOP_WEBHOOK_ALLOW_HTTP=True, CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True)
def test_assignment_on_the_workspace_tells_the_evaluator_in_app_by_mail_and_webhook(
    world, market, receiver, django_capture_on_commit_callbacks, language, subject
):
    evaluator = world.people["evaluator"]
    evaluator.preferred_language = language
    evaluator.save()
    notifications.webhook_create(
        actor=world.principal("staff"),
        unit=world.unit,
        url=f"http://127.0.0.1:{PORT}/hook",
        kinds=["evaluation_assigned"],
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("staff").post(
            f"/market/challenges/{market.challenge.pk}/manage/",
            {"action": "assign", "evaluator": evaluator.pk, "proposal": ""},
        )
    assert response.status_code == 302
    (event,) = AuditEvent.objects.filter(action="market.evaluator_assigned")
    after = event.after or {}
    assert after["evaluator_id"] == evaluator.pk
    assert after["challenge_id"] == market.challenge.pk
    (notice,) = Notification.objects.filter(person=evaluator)
    assert notice.kind == "evaluation_assigned" and notice.link == "/market/"
    (message,) = [m for m in mail.outbox if m.to == [evaluator.email]]
    assert message.subject == subject
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.kind == "evaluation_assigned" and delivery.status == "delivered"
    payload = json.loads(receiver.bodies[0])
    assert payload["kind"] == "evaluation_assigned"
    assert payload["data"]["title"] == market.challenge.title
    # Nobody else is told: not the staff who assigned, not the other evaluators.
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_assigned_challenge_opens_only_to_its_assigned_evaluators(world, market, second_evaluator):
    first = world.people["evaluator"]
    codes = {market.proposal.code, market.rival_proposal.code}
    # No assignment: every evaluator of the unit sees every proposal (the rule before issue 16).
    assert _visible(first, market) == codes == _visible(second_evaluator, market)
    _assign(world, market, first)
    assert _visible(first, market) == codes
    assert _visible(second_evaluator, market) == set()
    # Unit staff and auditors still see everything: they run and check the call.
    assert _visible(world.people["staff"], market) == codes
    assert _visible(world.people["auditor"], market) == codes
    page = Client()
    page.force_login(second_evaluator)
    assert page.get(f"/market/proposals/{market.proposal.pk}/").status_code == 404
    close_submissions(market.challenge, world=world)
    with pytest.raises(Http404):
        services.conflict_declare(
            actor=principal_for_person(second_evaluator),
            proposal=market.proposal,
            has_conflict=False,
        )
    services.conflict_declare(
        actor=principal_for_person(first), proposal=market.proposal, has_conflict=False
    )


@pytest.mark.django_db
def test_an_evaluator_assigned_to_one_proposal_sees_and_scores_that_one_only(
    world, market, second_evaluator
):
    _assign(world, market, second_evaluator, proposal=market.rival_proposal)
    assert _visible(second_evaluator, market) == {market.rival_proposal.code}
    # The world's evaluator is not assigned at all: once there are assignments, nothing.
    assert _visible(world.people["evaluator"], market) == set()
    close_submissions(market.challenge, world=world)
    criterion = market.challenge.criteria.first()
    actor = principal_for_person(second_evaluator)
    with pytest.raises(Http404):
        services.score_record(
            actor=actor,
            proposal=market.proposal,
            criterion=criterion,
            score=3,
            justification="A clear plan with costed milestones and risks.",
        )
    # The workspace flags the proposal nobody may score.
    flagged = selectors.proposals_without_evaluator(
        viewer=world.principal("staff"), challenge=market.challenge
    )
    assert [p.code for p in flagged] == [market.proposal.code]
    page = world.client("staff").get(f"/market/challenges/{market.challenge.pk}/manage/")
    assert "No evaluator is assigned to these proposals" in page.content.decode()
    assert market.proposal.code in page.content.decode()


@pytest.mark.django_db
def test_unassigning_is_audited_and_closes_the_proposals_again(world, market, second_evaluator):
    assignment = _assign(world, market, world.people["evaluator"])
    _assign(world, market, second_evaluator)
    response = world.client("staff").post(
        f"/market/challenges/{market.challenge.pk}/manage/",
        {"action": "unassign", "assignment": assignment.pk},
    )
    assert response.status_code == 302
    assert not EvaluatorAssignment.objects.filter(pk=assignment.pk).exists()
    (event,) = AuditEvent.objects.filter(action="market.evaluator_unassigned")
    assert (event.before or {})["evaluator_id"] == world.people["evaluator"].pk
    assert _visible(world.people["evaluator"], market) == set()
    assert len(_visible(second_evaluator, market)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "auditor", "outsider", "vendor"])
def test_only_evaluators_of_the_unit_can_be_assigned(world, market, who):
    with pytest.raises(ValidationError) as refused:
        _assign(world, market, world.people[who])
    assert "evaluator role in this unit" in str(refused.value.message_dict["evaluator_id"])
    assert not EvaluatorAssignment.objects.exists()


@pytest.mark.django_db
def test_the_same_assignment_twice_is_refused_naming_the_field(world, market):
    _assign(world, market, world.people["evaluator"])
    with pytest.raises(ValidationError) as refused:
        _assign(world, market, world.people["evaluator"])
    assert "already assigned" in str(refused.value.message_dict["evaluator_id"])


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db
def test_api_assigns_lists_and_removes(world, market):
    client, auth = Client(), _bearer(world.api_key())
    url = f"/api/v1/market/challenges/{market.challenge.pk}/evaluators"
    body = {"evaluator_id": world.people["evaluator"].pk, "proposal_id": market.proposal.pk}
    created = client.post(url, json.dumps(body), content_type="application/json", headers=auth)
    assert created.status_code == 201
    assert created.json()["proposal_code"] == market.proposal.code
    listed = client.get(url, headers=auth).json()
    assert [row["id"] for row in listed] == [created.json()["id"]]
    bad = client.post(
        url,
        json.dumps({"evaluator_id": world.people["staff"].pk}),
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422 and "evaluator_id" in bad.content.decode()
    gone = client.delete(f"{url}/{created.json()['id']}", headers=auth)
    assert gone.status_code == 204 and not EvaluatorAssignment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 404),  # another unit's staff: the challenge's workspace does not exist
        ("evaluator", 404),  # evaluators score; they do not assign
        ("auditor", 404),
        ("vendor", 404),
        ("official", 404),
    ],
)
def test_who_may_assign(world, market, who, status):
    client = world.client(who)
    page = client.post(
        f"/market/challenges/{market.challenge.pk}/manage/",
        {"action": "assign", "evaluator": world.people["evaluator"].pk},
    )
    url = f"/api/v1/market/challenges/{market.challenge.pk}/evaluators"
    api = client.post(
        url,
        json.dumps({"evaluator_id": world.people["evaluator"].pk}),
        content_type="application/json",
    )
    listed = client.get(url)
    assert (page.status_code, api.status_code, listed.status_code) == (status, status, status)
    assert not EvaluatorAssignment.objects.exists()


@pytest.mark.django_db
def test_other_unit_key_and_read_key_are_refused(world, market):
    url = f"/api/v1/market/challenges/{market.challenge.pk}/evaluators"
    body = json.dumps({"evaluator_id": world.people["evaluator"].pk})
    other = Client().post(
        url,
        body,
        content_type="application/json",
        headers=_bearer(world.api_key(org=world.other_unit)),
    )
    read = Client().post(
        url, body, content_type="application/json", headers=_bearer(world.api_key("read"))
    )
    assert (other.status_code, read.status_code) == (404, 403)
    assert not EvaluatorAssignment.objects.exists()
