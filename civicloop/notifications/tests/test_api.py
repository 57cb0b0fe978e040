"""The notifications API: one's own notifications, settings and follows; a unit's webhooks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client, override_settings

from civicloop.core.models import AuditEvent
from civicloop.notifications import services
from civicloop.notifications.models import (
    DeliveryStatus,
    Follow,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from civicloop.notifications.notices import Notice
from civicloop.notifications.tests.test_follow_buttons import _iteration, _sandbox
from civicloop.participation.tests.conftest import make_citizen, published

pytestmark = pytest.mark.django_db

LOCAL = override_settings(CIVICLOOP_WEBHOOK_ALLOW_HTTP=True, CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True)
HOOK = "http://127.0.0.1:8334/in"  # nothing listens: no delivery is made in these tests


def _client(world, role: str) -> Client:
    return world.client(role)


def _send(client: Client, method: str, url: str, data: object = None):
    body = json.dumps(data) if data is not None else ""
    return getattr(client, method)(url, body, content_type="application/json")


def _tell(world, role: str, kind: str, source: str) -> Notification:
    (made,) = services.notify(
        notices=[Notice(kind, [world.people[role].pk], {"title": "Street lights"}, "/x/")],
        source=source,
    )
    return made


def test_my_notifications_unread_filter_and_marking_them_read(world):
    first = _tell(world, "vendor", "award", "s1")
    _tell(world, "vendor", "unsuccessful", "s2")
    _tell(world, "staff", "award", "s3")  # someone else's
    client = _client(world, "vendor")
    listing = client.get("/api/v1/notifications").json()
    assert listing["count"] == 2
    assert {n["kind"] for n in listing["items"]} == {"award", "unsuccessful"}
    assert all("Street lights" in n["sentence"] for n in listing["items"])
    one = _send(client, "post", f"/api/v1/notifications/{first.pk}/read")
    assert one.status_code == 200 and one.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [n["kind"] for n in unread["items"]] == ["unsuccessful"]
    assert _send(client, "post", "/api/v1/notifications/read").json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    other = Notification.objects.get(person=world.people["staff"])
    assert _send(client, "post", f"/api/v1/notifications/{other.pk}/read").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_spanish_reader_gets_the_sentence_in_spanish(world):
    _tell(world, "vendor", "award", "s1")
    client = _client(world, "vendor")
    english = client.get("/api/v1/notifications").json()["items"][0]["sentence"]
    spanish = client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish["items"][0]["sentence"] != english


def test_preferences_per_kind_read_and_update_naming_the_field(world):
    client = _client(world, "vendor")
    start = client.get("/api/v1/notifications/preferences").json()
    assert start["email_mode"] == "immediate" and start["muted_kinds"] == []
    award = next(k for k in start["kinds"] if k["kind"] == "award")
    assert award == {**award, "in_app": True, "email": True, "digest": False}
    changed = _send(
        client,
        "put",
        "/api/v1/notifications/preferences",
        {"email_mode": "digest", "muted_kinds": ["award"]},
    )
    assert changed.status_code == 200
    kinds = {k["kind"]: k for k in changed.json()["kinds"]}
    assert (kinds["award"]["email"], kinds["award"]["digest"]) == (False, False)
    assert (kinds["unsuccessful"]["email"], kinds["unsuccessful"]["digest"]) == (False, True)
    pref = NotificationPreference.objects.get(person=world.people["vendor"])
    assert (pref.email_mode, pref.kind_modes) == ("digest", {"award": "in_app"})
    bad = _send(client, "put", "/api/v1/notifications/preferences", {"email_mode": "hourly"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].endswith("email_mode")
    pref.refresh_from_db()
    assert pref.email_mode == "digest"  # nothing half-written


def test_follow_and_unfollow_iteration_and_sandbox_as_the_buttons_do(world):
    iteration, sandbox = _iteration(world), _sandbox(world)
    client = _client(world, "staff")
    assert _send(client, "put", f"/api/v1/notifications/follows/iterations/{iteration.pk}").json()[
        "following"
    ]
    _send(client, "put", f"/api/v1/notifications/follows/sandboxes/{sandbox.pk}")
    _send(client, "put", f"/api/v1/notifications/follows/sandboxes/{sandbox.pk}")  # idempotent
    listing = client.get("/api/v1/notifications/follows").json()
    assert {(f["kind"], f["object_id"]) for f in listing["items"]} == {
        ("iteration", iteration.pk),
        ("sandbox", sandbox.pk),
    }
    assert Follow.objects.filter(person=world.people["staff"]).count() == 2
    gone = _send(client, "delete", f"/api/v1/notifications/follows/iterations/{iteration.pk}")
    assert gone.status_code == 200 and gone.json()["following"] is False
    assert [f["kind"] for f in client.get("/api/v1/notifications/follows").json()["items"]] == [
        "sandbox"
    ]
    outsider = _client(world, "outsider")
    url = f"/api/v1/notifications/follows/iterations/{iteration.pk}"
    assert _send(outsider, "put", url).status_code == 404
    assert not Follow.objects.filter(person=world.people["outsider"]).exists()


def test_the_follow_list_names_each_object_and_leaves_out_what_left_the_scope(world):
    iteration, sandbox = _iteration(world), _sandbox(world)
    client = _client(world, "staff")
    _send(client, "put", f"/api/v1/notifications/follows/iterations/{iteration.pk}")
    _send(client, "put", f"/api/v1/notifications/follows/sandboxes/{sandbox.pk}")
    listing = client.get("/api/v1/notifications/follows").json()
    assert {(f["kind"], f["title"]) for f in listing["items"]} == {
        ("iteration", iteration.title),
        ("sandbox", sandbox.title),
    }
    type(sandbox).objects.filter(pk=sandbox.pk).update(unit=world.other_unit)
    listing = client.get("/api/v1/notifications/follows").json()
    assert [(f["kind"], f["object_id"]) for f in listing["items"]] == [("iteration", iteration.pk)]
    assert listing["count"] == 1


def test_a_verified_citizen_follows_a_published_proposal_staff_cannot(world):
    proposal = published(world, make_citizen("author@example.net"))
    citizen = make_citizen("reader@example.net")
    client = Client()
    assert citizen.person is not None
    client.force_login(citizen.person)
    url = f"/api/v1/notifications/follows/citizen-proposals/{proposal.pk}"
    assert _send(client, "put", url).json() == {
        "kind": "proposal",
        "object_id": proposal.pk,
        "following": True,
    }
    (row,) = client.get("/api/v1/notifications/follows").json()["items"]
    assert (row["kind"], row["title"]) == ("proposal", proposal.title)
    assert _send(_client(world, "staff"), "put", url).status_code == 403


@LOCAL
def test_webhooks_create_shows_the_secret_once_update_log_and_delete(world):
    client = _client(world, "staff")
    made = _send(client, "post", "/api/v1/notifications/webhooks", {"url": HOOK, "kinds": []})
    assert made.status_code == 201, made.content
    created = made.json()
    secret, hook_id = created["secret"], created["id"]
    assert secret.startswith("whsec_") and created["unit_id"] == world.unit.pk
    endpoint = WebhookEndpoint.objects.get(pk=hook_id)
    assert services.webhook_secret(endpoint) == secret
    listing = client.get("/api/v1/notifications/webhooks")
    shown = client.get(f"/api/v1/notifications/webhooks/{hook_id}")
    assert secret not in listing.content.decode() and secret not in shown.content.decode()
    assert "secret" not in shown.json()
    patched = _send(
        client,
        "patch",
        f"/api/v1/notifications/webhooks/{hook_id}",
        {"kinds": ["award"], "active": False},
    )
    assert patched.status_code == 200
    assert (patched.json()["kinds"], patched.json()["active"]) == (["award"], False)
    assert patched.json()["url"] == HOOK
    WebhookDelivery.objects.create(
        endpoint=endpoint, kind="award", source="a", payload={}, status=DeliveryStatus.FAILED
    )
    WebhookDelivery.objects.create(endpoint=endpoint, kind="award", source="b", payload={})
    log = client.get(f"/api/v1/notifications/webhooks/{hook_id}/deliveries?status=failed")
    assert [d["source"] for d in log.json()["items"]] == ["a"]
    assert _send(client, "delete", f"/api/v1/notifications/webhooks/{hook_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("sequence"))
    assert actions[-3:] == [
        "notifications.webhook_created",
        "notifications.webhook_updated",
        "notifications.webhook_deleted",
    ]


@LOCAL
def test_webhook_bad_input_names_the_field_and_changes_nothing(world):
    client = _client(world, "staff")
    bad_kind = _send(
        client, "post", "/api/v1/notifications/webhooks", {"url": HOOK, "kinds": ["hourly"]}
    )
    assert bad_kind.status_code == 422 and "kinds" in bad_kind.json()["errors"][0]["field"]
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=False):
        private = _send(client, "post", "/api/v1/notifications/webhooks", {"url": HOOK})
    assert private.status_code == 422
    assert private.json()["errors"][0]["field"] == "url"
    assert "private" in private.json()["errors"][0]["message"]
    assert not WebhookEndpoint.objects.exists()
    made = _send(client, "post", "/api/v1/notifications/webhooks", {"url": HOOK}).json()
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=False):
        moved = _send(
            client, "patch", f"/api/v1/notifications/webhooks/{made['id']}", {"url": HOOK + "2"}
        )
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "url"
    assert WebhookEndpoint.objects.get().url == HOOK


@LOCAL
@pytest.mark.parametrize("role", ["outsider", "vendor", "auditor", "evaluator"])
def test_another_unit_or_role_gets_404_on_a_unit_s_webhook(world, role):
    created = services.webhook_create(actor=world.principal("staff"), unit=world.unit, url=HOOK)
    client = _client(world, role)
    base = f"/api/v1/notifications/webhooks/{created.endpoint.pk}"
    assert client.get(base).status_code == 404
    assert client.get(base + "/deliveries").status_code == 404
    assert _send(client, "patch", base, {"active": False}).status_code == 404
    assert _send(client, "delete", base).status_code == 404
    assert client.get("/api/v1/notifications/webhooks").json()["count"] == 0
    assert WebhookEndpoint.objects.get().active


def test_an_api_key_has_no_notifications_of_its_own(world):
    _tell(world, "staff", "award", "s1")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key('write')}")
    assert client.get("/api/v1/notifications").json()["count"] == 0
    assert client.post("/api/v1/notifications/read").status_code == 403
    assert Client().get("/api/v1/notifications").status_code == 401


def test_the_follow_list_pages_newest_first_and_counts_only_what_is_in_scope(world):
    iteration = _iteration(world)
    sandboxes = [_sandbox(world) for _ in range(4)]
    client = _client(world, "staff")
    _send(client, "put", f"/api/v1/notifications/follows/iterations/{iteration.pk}")
    for sandbox in sandboxes:
        _send(client, "put", f"/api/v1/notifications/follows/sandboxes/{sandbox.pk}")
    # Distinct times: the iteration oldest, then the sandboxes in order (the last newest).
    rows = Follow.objects.filter(person=world.people["staff"])
    base = rows.get(object_type="experiments.iteration").created_at
    for i, sandbox in enumerate(sandboxes, start=1):
        rows.filter(object_id=str(sandbox.pk)).update(created_at=base + timedelta(minutes=i))
    type(sandboxes[2]).objects.filter(pk=sandboxes[2].pk).update(unit=world.other_unit)
    newest_first = [("sandbox", s.pk) for s in (sandboxes[3], sandboxes[1], sandboxes[0])]
    newest_first.append(("iteration", iteration.pk))
    page = client.get("/api/v1/notifications/follows?limit=2&offset=1").json()
    assert page["count"] == 4  # the sandbox now in another unit is not counted
    assert [(f["kind"], f["object_id"]) for f in page["items"]] == newest_first[1:3]
    assert [f["title"] for f in page["items"]] == ["Pharmacy confirmations"] * 2
    last = client.get("/api/v1/notifications/follows?limit=2&offset=3").json()
    assert [(f["kind"], f["object_id"]) for f in last["items"]] == newest_first[3:]
    assert _client(world, "outsider").get("/api/v1/notifications/follows").json()["count"] == 0
