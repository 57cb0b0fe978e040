"""The deadline and the sealed-proposal notice name the same instant the same way, in the
reader's time zone with its abbreviation (issue: the page said 04:42, the notice 03:42 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicloop.market.models import Challenge

DEADLINE = datetime(2027, 1, 15, 3, 42, tzinfo=UTC)


@pytest.fixture
def deadline(market):
    # Test set-up only: one known instant for the deadline and the seal's high-water mark.
    Challenge.objects.filter(pk=market.challenge.pk).update(
        submission_deadline=DEADLINE, sealed_until=DEADLINE
    )
    return market


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Europe/Madrid", "15 Jan 2027, 04:42 CET"),
        ("America/New_York", "14 Jan 2027, 22:42 EST"),
        ("UTC", "15 Jan 2027, 03:42 UTC"),
    ],
)
def test_deadline_and_sealed_notice_agree_in_the_readers_zone(world, deadline, zone, shown):
    staff = world.people["staff"]
    staff.time_zone = zone
    staff.save()
    client = world.client("staff")
    challenge_page = client.get(f"/market/challenges/{deadline.challenge.pk}/").content.decode()
    assert shown in challenge_page
    proposal_page = client.get(f"/market/proposals/{deadline.proposal.pk}/").content.decode()
    assert f"Proposals are sealed until the submission deadline ({shown})." in proposal_page


def test_a_person_without_a_zone_sees_their_organisations(world, deadline):
    world.unit.time_zone = "America/New_York"
    world.unit.save()
    body = world.client("staff").get(f"/market/challenges/{deadline.challenge.pk}/")
    assert "14 Jan 2027, 22:42 EST" in body.content.decode()


def test_the_public_sees_the_installations_zone(world, deadline, settings):
    settings.TIME_ZONE = "Europe/Madrid"
    body = world.client(None).get(f"/market/challenges/{deadline.challenge.pk}/")
    assert "15 Jan 2027, 04:42 CET" in body.content.decode()
