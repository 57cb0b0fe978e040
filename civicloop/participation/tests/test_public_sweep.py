"""Nothing a citizen writes is public before moderation; nothing personal is ever public.

A seeded database holds private markers: text awaiting moderation, refused and appealed text,
comments awaiting moderation, held supports, citizens' e-mail addresses and what redaction
removed. Every public participation page and API operation, fetched as anonymous, must show
none of them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicloop.participation import services
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db

MARKERS = [
    "PRIVATE-PENDING-7731",
    "PRIVATE-REJECTED-7732",
    "PRIVATE-APPEAL-7733",
    "PRIVATE-COMMENT-7734",
    "PRIVATE-REFUSED-COMMENT-7735",
    "ana@example.net",
    "secret.mail@example.org",
    "bea.private@example.net",
    "612 345 678",
    "12345678Z",
]


def _seed(world, ana, citizen_of):
    staff = world.principal("staff")
    pending = services.proposal_submit(
        actor=ana,
        unit_id=world.unit.pk,
        kind="idea",
        title="PRIVATE-PENDING-7731 benches",
        body="Awaiting moderation: PRIVATE-PENDING-7731, nothing to see here yet.",
        language="en",
    )
    rejected = services.proposal_submit(
        actor=ana,
        unit_id=world.unit.pk,
        kind="idea",
        title="PRIVATE-REJECTED-7732 title",
        body="Refused by the moderator PRIVATE-REJECTED-7732 for being off topic.",
        language="en",
    )
    services.proposal_moderate(actor=staff, proposal=rejected, decision="reject", reason="spam")
    services.proposal_appeal(actor=ana, proposal=rejected, text="PRIVATE-APPEAL-7733 please")
    public = published(world, citizen_of("bea.private@example.net"))
    services.proposal_submit(
        actor=citizen_of("other@example.net"),
        unit_id=world.unit.pk,
        kind="problem",
        title="Personal data inside",
        body="Write to secret.mail@example.org or call 612 345 678, DNI 12345678Z.",
        language="es",
    )
    services.comment_submit(
        actor=ana, proposal=public, body="PRIVATE-COMMENT-7734 pending", language="en"
    )
    refused = services.comment_submit(
        actor=ana, proposal=public, body="PRIVATE-REFUSED-COMMENT-7735", language="en"
    )
    services.comment_moderate(actor=staff, comment=refused, decision="reject", reason="offensive")
    # a published one carrying redacted personal data, and held supports
    ok = services.comment_submit(
        actor=ana, proposal=public, body="Mail me at secret.mail@example.org", language="en"
    )
    services.comment_moderate(actor=staff, comment=ok, decision="publish")
    for n in range(3):
        services.support_add(
            actor=citizen_of(f"held{n}@stuffing.example"), proposal=public, client_hash="x"
        )
    return public, pending


def test_public_participation_pages_hold_no_private_marker(world, ana, citizen_of):
    public, pending = _seed(world, ana, citizen_of)
    client = Client()
    urls = [
        reverse("participation:list"),
        reverse("participation:list") + f"?unit={world.unit.pk}",
        reverse("participation:list") + "?status=published",
        reverse("participation:detail", args=[public.pk]),
        reverse("participation:signup"),
        "/api/v1/participation/proposals",
        f"/api/v1/participation/proposals/{public.pk}",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for marker in MARKERS:
            assert marker not in body, (url, marker)
        assert "stuffing.example" not in body, url
    # private objects are 404, on the page and in the API
    assert client.get(reverse("participation:detail", args=[pending.pk])).status_code == 404
    assert client.get(f"/api/v1/participation/proposals/{pending.pk}").status_code == 404
    # the public page shows the published comment, redacted, and the honest count
    page = client.get(reverse("participation:detail", args=[public.pk])).content.decode()
    assert "Mail me at [EMAIL]" in page
    assert "0 people support this." in page  # three held supports are not counted
