"""Attachments per proposal are limited in number and total size (review F12).

Defaults: 5 files, 25 MB in all (`CIVICLOOP["MAX_PROPOSAL_FILES"]`,
`CIVICLOOP["MAX_PROPOSAL_FILES_BYTES"]`). Over a limit: 422 naming `file` and the rule (API),
a form error (page), and nothing stored: no row, no bytes on disk, no half-submitted revision.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.market.models import Proposal, ProposalFile
from civicloop.market.tests.factories import PDF_BYTES


def _stored_blobs() -> int:
    try:
        return len(default_storage.listdir("market/sealed")[1])
    except FileNotFoundError:
        return 0


def _upload(client, proposal, name="plan.pdf", data=PDF_BYTES):
    return client.post(
        f"/api/v1/market/proposals/{proposal.pk}/files",
        {"file": SimpleUploadedFile(name, data)},
    )


def test_sixth_attachment_is_refused_by_default(world, market):
    vendor = world.client("vendor")
    for n in range(5):
        assert _upload(vendor, market.proposal, f"part-{n}.pdf").status_code == 201
    blobs = _stored_blobs()
    response = _upload(vendor, market.proposal, "part-6.pdf")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "file" in detail
    assert "at most 5 attachments" in detail
    assert ProposalFile.objects.filter(proposal=market.proposal).count() == 5
    assert _stored_blobs() == blobs


def test_total_size_is_limited(world, market, settings):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "MAX_PROPOSAL_FILES_BYTES": 3 * len(PDF_BYTES)}
    vendor = world.client("vendor")
    for n in range(3):
        assert _upload(vendor, market.proposal, f"part-{n}.pdf").status_code == 201
    blobs = _stored_blobs()
    response = _upload(vendor, market.proposal, "one-more.pdf")
    assert response.status_code == 422
    assert "may add up to at most" in response.json()["detail"]
    assert ProposalFile.objects.filter(proposal=market.proposal).count() == 3
    assert _stored_blobs() == blobs


def test_removing_an_attachment_makes_room(
    world, market, settings, django_capture_on_commit_callbacks
):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "MAX_PROPOSAL_FILES": 1}
    vendor = world.client("vendor")
    blobs = _stored_blobs()
    first = _upload(vendor, market.proposal).json()["id"]
    assert _upload(vendor, market.proposal).status_code == 422
    # Only the vendor itself may remove it; anyone else gets 404.
    for role in ("staff", "evaluator"):
        response = world.client(role).delete(f"/api/v1/market/proposal-files/{first}")
        assert response.status_code == 404, role
    with django_capture_on_commit_callbacks(execute=True):
        assert vendor.delete(f"/api/v1/market/proposal-files/{first}").status_code == 204
    assert _stored_blobs() == blobs
    assert _upload(vendor, market.proposal).status_code == 201


def test_the_form_refuses_over_the_limit_and_keeps_the_earlier_revision(world, market, settings):
    settings.CIVICLOOP = {**settings.CIVICLOOP, "MAX_PROPOSAL_FILES": 1}
    vendor = world.client("vendor")
    assert _upload(vendor, market.proposal).status_code == 201
    before = Proposal.objects.get(pk=market.proposal.pk)
    page = vendor.post(
        f"/market/challenges/{market.challenge.pk}/propose/",
        {
            "phase": "feasibility",
            "content": "A revised plan with another attachment, long enough to count.",
            "price": "12345",
            "file": SimpleUploadedFile("another.pdf", PDF_BYTES),
        },
    )
    assert page.status_code == 422
    assert "at most 1 attachments" in page.content.decode()
    after = Proposal.objects.get(pk=market.proposal.pk)
    assert (after.revision, after.price) == (before.revision, before.price)
    assert after.price != Decimal("12345")
    assert after.files.count() == 1


@pytest.mark.parametrize("limit", ["MAX_PROPOSAL_FILES", "MAX_PROPOSAL_FILES_BYTES"])
def test_limits_have_sensible_defaults(limit):
    from django.conf import settings

    assert settings.CIVICLOOP[limit] == {"MAX_PROPOSAL_FILES": 5}.get(limit, 25 * 1024 * 1024)
