"""Outgoing webhooks: signed (checked with an independent HMAC), retried, refused for SSRF."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from civicloop.market.tests.factories import open_challenge, submit
from civicloop.notifications import services
from civicloop.notifications.models import DeliveryStatus, WebhookDelivery


def _free_port() -> int:
    """A port nobody listens on now (the OS's choice): each test process gets its own, so
    parallel workers never collide on a fixed port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = _free_port()
TEXT = "A sealed proposal with enough words to pass the fifty character rule. Webhook test."


class Receiver:
    """A real HTTP endpoint on loopback: answers the queued status codes, records requests."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
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
    made: list[Receiver] = []

    def start(codes: list[int]) -> Receiver:
        made.append(Receiver(codes))
        return made[-1]

    yield start
    for r in made:
        r.close()


LOCAL = override_settings(
    CIVICLOOP_WEBHOOK_ALLOW_HTTP=True,
    CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True,
    CIVICLOOP_WEBHOOK_MAX_ATTEMPTS=3,
)


def _endpoint(world, kinds=("proposal_receipt",)):
    return services.webhook_create(
        actor=world.principal("staff"),
        unit=world.unit,
        url=f"http://127.0.0.1:{PORT}/hook",
        kinds=list(kinds),
    )


@pytest.mark.django_db
@LOCAL
def test_delivery_is_signed_and_the_signature_verifies_independently(world, receiver, dispatched):
    hook = receiver([200])
    created = _endpoint(world)
    assert created.secret.startswith("whsec_")
    challenge, phase = open_challenge(world)
    proposal = dispatched(submit, world, challenge, phase, world.company, TEXT)
    (headers, body) = hook.requests[0]
    header = headers["x-civicloop-signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    # The receiver's check, written from the documented rule (not the code's own function).
    expected = hmac.new(
        created.secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    payload = json.loads(body)
    assert payload["kind"] == "proposal_receipt"
    assert payload["data"]["code"] == proposal.code
    assert payload["data"]["sha256"] == proposal.sealed.sha256
    assert "person_ids" not in body.decode() and world.people["vendor"].email not in body.decode()
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


@pytest.mark.django_db
@LOCAL
def test_failed_delivery_is_retried_until_it_succeeds(world, receiver, dispatched):
    hook = receiver([500, 503, 200])
    _endpoint(world)
    challenge, phase = open_challenge(world)
    dispatched(submit, world, challenge, phase, world.company, TEXT)
    (delivery,) = WebhookDelivery.objects.all()
    assert len(hook.requests) == 3
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3


@pytest.mark.django_db
@LOCAL
def test_delivery_gives_up_after_the_limit_and_logs_it(world, receiver, dispatched):
    hook = receiver([500, 500, 500, 500])
    _endpoint(world)
    challenge, phase = open_challenge(world)
    dispatched(submit, world, challenge, phase, world.company, TEXT)
    (delivery,) = WebhookDelivery.objects.all()
    assert len(hook.requests) == 3  # CIVICLOOP_WEBHOOK_MAX_ATTEMPTS
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 500
    page = world.client("staff").get(f"/notifications/webhooks/{delivery.endpoint_id}/")
    assert page.status_code == 200 and "HTTP 500" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://example.org/hook", "https only"),
        ("https://127.0.0.1/hook", "private"),
        ("https://localhost/hook", "private"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "private"),  # cloud metadata
        ("https://[::1]/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "private"),
        ("https://user:pw@example.org/hook", "user name"),
        ("ftp://example.org/hook", "https://"),
    ],
)
def test_unsafe_targets_are_refused_naming_the_rule(world, url, rule):
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=world.principal("staff"), unit=world.unit, url=url)
    assert rule in " ".join(refused.value.message_dict["url"])


@pytest.mark.django_db
@LOCAL
def test_private_address_refused_again_at_delivery_when_no_longer_allowed(
    world, receiver, dispatched
):
    hook = receiver([200])
    _endpoint(world)
    challenge, phase = open_challenge(world)
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=False):
        dispatched(submit, world, challenge, phase, world.company, TEXT)
    assert hook.requests == []
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.status == DeliveryStatus.FAILED and "private" in delivery.last_error


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["vendor", "evaluator", "auditor", "outsider"])
def test_only_the_unit_s_settings_managers_see_its_webhooks(world, role):
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True, CIVICLOOP_WEBHOOK_ALLOW_HTTP=True):
        created = _endpoint(world)
    client = world.client(role)
    assert client.get(f"/notifications/webhooks/{created.endpoint.pk}/").status_code == 404
    assert created.secret not in client.get("/notifications/webhooks/").content.decode()


@pytest.mark.django_db
def test_the_secret_is_shown_once(world):
    client = world.client("staff")
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True, CIVICLOOP_WEBHOOK_ALLOW_HTTP=True):
        page = client.post("/notifications/webhooks/", {"url": f"http://127.0.0.1:{PORT}/x"})
    assert page.status_code == 200
    secret = page.content.decode().split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    assert secret not in client.get("/notifications/webhooks/").content.decode()
