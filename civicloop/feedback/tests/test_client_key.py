"""Rate limits and stuffing rules count clients, not the reverse proxy in front of them."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import RequestFactory

from civicloop.feedback.abuse import client_key


def _request(remote: str, forwarded: str = "") -> HttpRequest:
    request = RequestFactory().post("/feedback/s/x/", REMOTE_ADDR=remote)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_behind_a_trusted_proxy_two_citizens_are_two_clients(settings):
    settings.CIVICLOOP_METRICS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    one = client_key(_request("10.0.0.2", "203.0.113.7"))
    two = client_key(_request("10.0.0.2", "198.51.100.9"))
    assert one != two
    # the same citizen is the same client, whichever proxy forwarded them
    assert one == client_key(_request("10.0.0.3", "203.0.113.7"))


def test_a_forwarded_header_from_an_untrusted_address_is_ignored(settings):
    settings.CIVICLOOP_METRICS_TRUSTED_PROXIES = []
    spoofed = client_key(_request("192.0.2.50", "203.0.113.7"))
    assert spoofed == client_key(_request("192.0.2.50", "198.51.100.9"))
    assert spoofed != client_key(_request("192.0.2.51"))
