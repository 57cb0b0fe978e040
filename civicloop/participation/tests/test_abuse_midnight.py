"""The client key rotates at midnight UTC; the rules that look back over a window (vote stuffing:
60 s; floods: an hour) still see one client across it (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from civicloop.feedback.abuse import ClientHashes, client_hashes
from civicloop.participation import services
from civicloop.participation.models import SupportStatus
from civicloop.participation.tests.conftest import published

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 12, 2, 23, 59, 30, tzinfo=UTC)
JUST_BEFORE = datetime(2026, 12, 2, 23, 59, 50, tzinfo=UTC)
AFTER = datetime(2026, 12, 3, 0, 0, 10, tzinfo=UTC)


def _keys(at: datetime) -> ClientHashes:
    return client_hashes(RequestFactory().post("/", REMOTE_ADDR="203.0.113.9"), at=at)


def test_the_key_rotates_at_midnight_and_yesterday_s_key_is_carried():
    before, after = _keys(JUST_BEFORE), _keys(AFTER)
    assert before["client_hash"] != after["client_hash"]  # the salt is the UTC day
    assert after["client_hash_previous"] == before["client_hash"]


def test_a_burst_across_midnight_is_held_as_one_group(world, ana, citizen_of, monkeypatch):
    proposal = published(world, ana)
    for n, at in enumerate([BEFORE, JUST_BEFORE, AFTER]):
        monkeypatch.setattr(timezone, "now", lambda at=at: at)
        services.support_add(
            actor=citizen_of(f"m{n}@midnight.example"), proposal=proposal, **_keys(at)
        )
    # 3 supports, one connection, one domain, within 40 seconds: all held, none counted,
    # although the first two were stored under the 2 December key and the last under the 3rd.
    statuses = list(proposal.supports.values_list("status", flat=True))
    assert statuses == [SupportStatus.HELD] * 3
    assert services.support_count(proposal) == 0
    assert len(set(proposal.supports.values_list("client_hash", flat=True))) == 2


def test_a_flood_across_midnight_counts_as_one_connection(
    world, ana, citizen_of, monkeypatch, settings
):
    # two proposals an hour from one connection (three accounts, so the account limit is not it)
    settings.CIVICLOOP = {
        **getattr(settings, "CIVICLOOP", {}),
        "PARTICIPATION_LIMITS": {"proposal": (3, 2)},
    }
    authors = [citizen_of(f"f{n}@flood.example") for n in range(3)]
    data = {
        "unit_id": world.unit.pk,
        "kind": "idea",
        "title": "More benches at the bus stops",
        "body": "Older people wait standing for 20 minutes at the stops on the ring road.",
        "language": "en",
    }
    for author, at in zip(authors[:2], [BEFORE, JUST_BEFORE], strict=True):
        monkeypatch.setattr(timezone, "now", lambda at=at: at)
        services.proposal_submit(actor=author, **data, **_keys(at))
    monkeypatch.setattr(timezone, "now", lambda: AFTER)
    with pytest.raises(services.RateLimited, match="At most 2"):
        services.proposal_submit(actor=authors[2], **data, **_keys(AFTER))
