"""A company manages its subscription to matching challenges through the API (issue 16), and
lists the open challenges it matches; another company's, or none, answers 404."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from civicloop.core.models import AuditEvent
from civicloop.market.tests.factories import open_challenge, rival_vendor

pytestmark = pytest.mark.django_db

URL = "/api/v1/market/vendor-subscription"


def _put(client: Client, body: dict):
    return client.put(URL, json.dumps(body), content_type="application/json")


def test_a_company_sets_its_subscription_and_lists_what_it_matches(world):
    licences, _ = open_challenge(world)  # "Faster licence renewals"
    open_challenge(world, title="Cleaner bridges for the river")
    client = world.client("vendor")
    start = client.get(URL).json()
    assert start == {
        "organization_id": world.company.pk,
        "sectors": [],
        "keywords": [],
        "active": False,
    }
    saved = _put(client, {"keywords": ["Licence", "  licence "], "sectors": ["Retail"]})
    assert saved.status_code == 200
    assert saved.json() == {
        "organization_id": world.company.pk,
        "sectors": ["retail"],
        "keywords": ["licence"],
        "active": True,
    }
    assert AuditEvent.objects.filter(action="market.vendor_subscribed").count() == 1
    listing = client.get(f"{URL}/challenges").json()
    assert listing["count"] == 1
    assert [c["id"] for c in listing["items"]] == [licences.pk]
    paused = _put(client, {"keywords": ["licence"], "active": False})
    assert paused.json()["active"] is False
    assert client.get(f"{URL}/challenges").json()["count"] == 0


def test_bad_terms_name_the_field_and_change_nothing(world):
    client = world.client("vendor")
    _put(client, {"keywords": ["licence"]})
    bad = _put(client, {"keywords": ["x"]})
    assert bad.status_code == 422
    assert "keywords" in json.dumps(bad.json())
    assert client.get(URL).json()["keywords"] == ["licence"]


def test_another_company_or_none_is_answered_404(world):
    rival = rival_vendor()
    client = world.client("vendor")
    assert client.get(f"{URL}?organization_id={rival.company.pk}").status_code == 404
    assert (
        _put(client, {"keywords": ["x1"], "organization_id": rival.company.pk}).status_code == 404
    )
    assert client.get(f"{URL}/challenges?organization_id={rival.company.pk}").status_code == 404
    assert world.client("staff").get(URL).status_code == 404  # acts for no company
