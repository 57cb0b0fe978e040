"""Webhook secrets are encrypted at rest; a delivery goes only to the address that was checked."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from civicloop.core import field_crypto
from civicloop.core.tests.factories import UnitFactory
from civicloop.notifications import services, webhook_http
from civicloop.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from civicloop.notifications.tasks import webhook_deliver


def _free_port() -> int:
    """A port nobody listens on now (the OS's choice): each test process gets its own, so
    parallel workers never collide on a fixed port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = _free_port()
PUBLIC = "93.184.215.14"  # a global address (the check lets it through)


class Loopback:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback():
    server = Loopback()
    yield server
    server.close()


def _info(address: str, port: int) -> list:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


class RebindingResolver:
    """Answers a public address the first time and 127.0.0.1 every time after (DNS rebinding)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host, port, *args, **kwargs):
        self.calls += 1
        return _info(PUBLIC if self.calls == 1 else "127.0.0.1", int(port))


@override_settings(CIVICLOOP_WEBHOOK_ALLOW_HTTP=True, CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=False)
def test_a_name_that_rebinds_to_loopback_after_the_check_never_reaches_loopback(
    loopback, monkeypatch
):
    resolver = RebindingResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    tried: list[tuple] = []
    real_connect = webhook_http._connect

    def connect(family, sockaddr, timeout):
        tried.append(sockaddr)
        if sockaddr[0] == PUBLIC:  # the sandbox has no route out: the public host is down
            raise ConnectionRefusedError("connection refused")
        return real_connect(family, sockaddr, timeout)

    monkeypatch.setattr(webhook_http, "_connect", connect)
    result = webhook_http.post(
        f"http://hooks.example.org:{PORT}/in", "whsec_x", b"{}", kind="award", delivery_id=1
    )
    assert not result.ok
    assert loopback.requests == []
    assert tried == [(PUBLIC, PORT)]  # only the checked address was ever dialled
    assert resolver.calls == 1  # resolved once


@override_settings(CIVICLOOP_WEBHOOK_ALLOW_HTTP=True, CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True)
def test_the_pinned_request_keeps_the_host_name_in_the_host_header(loopback, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: _info("127.0.0.1", port))
    result = webhook_http.post(
        f"http://hooks.example.org:{PORT}/in?x=1", "whsec_x", b"{}", kind="award", delivery_id=7
    )
    assert result.ok and result.status_code == 204
    ((headers, body),) = loopback.requests
    assert headers["host"] == f"hooks.example.org:{PORT}"
    assert headers["x-civicloop-delivery"] == "7" and body == b"{}"


def test_https_checks_the_certificate_for_the_host_name_not_the_address(monkeypatch):
    """The TLS layer is given the URL's host name (SNI and certificate match), while the
    socket goes to the pinned address."""
    seen: dict[str, object] = {}

    def wrap_socket(sock, server_hostname=None):
        seen["server_hostname"] = server_hostname
        seen["peer"] = sock
        return sock

    monkeypatch.setattr(webhook_http, "_connect", lambda family, sockaddr, timeout: sockaddr)
    target = webhook_http.Target("https", "hooks.example.org", 443, "/", ())
    conn = webhook_http._PinnedHTTPSConnection(target, (socket.AF_INET, (PUBLIC, 443)), timeout=1)
    context = conn._context  # type: ignore[attr-defined]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    context.wrap_socket = wrap_socket
    conn.connect()
    assert seen == {"server_hostname": "hooks.example.org", "peer": (PUBLIC, 443)}


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted_and_still_signs_deliveries(world):
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True, CIVICLOOP_WEBHOOK_ALLOW_HTTP=True):
        created = services.webhook_create(
            actor=world.principal("staff"), unit=world.unit, url=f"http://127.0.0.1:{PORT}/x"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_webhookendpoint")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert created.secret not in raw
    assert "clfield1:" in raw
    endpoint = WebhookEndpoint.objects.get()
    assert services.webhook_secret(endpoint) == created.secret
    # what the receiver checks, computed from the documented rule with the secret shown once
    header = webhook_http.signature(services.webhook_secret(endpoint), 1700000000, b"{}")
    expected = hmac.new(created.secret.encode(), b"1700000000.{}", hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@pytest.mark.django_db
def test_rotating_the_field_key_keeps_every_secret_readable(world, settings):
    with override_settings(CIVICLOOP_WEBHOOK_ALLOW_PRIVATE=True, CIVICLOOP_WEBHOOK_ALLOW_HTTP=True):
        created = services.webhook_create(
            actor=world.principal("staff"), unit=world.unit, url=f"http://127.0.0.1:{PORT}/x"
        )
    old = list(settings.CIVICLOOP_FIELD_KEYS)
    new = Fernet.generate_key().decode()
    settings.CIVICLOOP_FIELD_KEYS = [new, *old]
    assert services.webhook_secrets_reencrypt() == (1, 0)
    assert services.webhook_secrets_reencrypt() == (0, 1)
    settings.CIVICLOOP_FIELD_KEYS = [new]  # the old key is gone: the secret still opens
    endpoint = WebhookEndpoint.objects.get()
    assert field_crypto.value_key_id(endpoint.secret_encrypted) == field_crypto.key_id(new)
    assert services.webhook_secret(endpoint) == created.secret
    settings.CIVICLOOP_FIELD_KEYS = old  # a server that lacks the new key says which one
    with pytest.raises(field_crypto.FieldKeyUnavailable, match=field_crypto.key_id(new)):
        services.webhook_secret(endpoint)
    # ... and a delivery records it in the log instead of crashing the worker
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, kind="award", source="rotation", payload={}
    )
    with override_settings(CIVICLOOP_WEBHOOK_MAX_ATTEMPTS=1):
        assert webhook_deliver.call(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert field_crypto.key_id(new) in delivery.last_error


def test_without_field_keys_encryption_refuses_naming_the_setting(settings):
    settings.CIVICLOOP_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_FIELD_KEYS is not set"):
        field_crypto.encrypt("whsec_x")


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_in_clear():
    from django.db.migrations.executor import MigrationExecutor

    before = [("notifications", "0002_summary_published_kind")]
    after = [("notifications", "0003_webhook_secret_encrypted")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    org = UnitFactory.create(name="Clear Unit", slug="clear-unit")
    old_apps.get_model("notifications", "WebhookEndpoint").objects.create(
        organization_id=org.pk, url="https://hooks.example.org/", secret="whsec_clear"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    endpoint = WebhookEndpoint.objects.get(organization_id=org.pk)
    assert endpoint.secret_encrypted.startswith("clfield1:")
    assert "whsec_clear" not in endpoint.secret_encrypted
    assert services.webhook_secret(endpoint) == "whsec_clear"
    # the leaf again for the tests that follow
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_production_refuses_to_start_without_field_keys(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("CIVICLOOP_SEALING_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv("CIVICLOOP_FIELD_KEYS", raising=False)
    import runpy
    from pathlib import Path

    production = Path(str(importlib.import_module("config").__file__)).parent / "settings"
    with pytest.raises(ImproperlyConfigured, match="CIVICLOOP_FIELD_KEYS is not set"):
        runpy.run_path(str(production / "production.py"))
    monkeypatch.setenv("CIVICLOOP_FIELD_KEYS", Fernet.generate_key().decode())
    assert runpy.run_path(str(production / "production.py"))["CIVICLOOP_FIELD_KEYS"]
