"""Market needs and vendors page 50 at a time, at a cost that does not grow with the data."""

import re

from django.utils import timezone

from civicloop.core.tests.factories import CompanyFactory
from civicloop.market.models import Need, VendorProfile, VendorVerification
from civicloop.web.tests.paging import page_queries


def _needs(world, n, start=0, *, unit=None, agency=None, **kwargs):
    Need.objects.bulk_create(
        Need(
            unit=unit or world.unit,
            agency=agency or world.agency,
            title=f"Need {i:03d}",
            what_is_wrong=f"Case {i} waits.",
            who_is_affected="Applicants",
            **kwargs,
        )
        for i in range(start, start + n)
    )


def _vendors(n, start=0):
    for i in range(start, start + n):
        company = CompanyFactory.create(name=f"Vendor {i:03d}", slug=f"vendor-{i:03d}")
        VendorProfile.objects.create(organization=company, founding_year=2020, capabilities="x")


def test_needs_query_count_does_not_grow_with_the_data(world):
    client = world.client("staff")
    _needs(world, 51)
    small, html = page_queries(client, "/market/needs/")
    assert len(re.findall(r">Need \d{3}<", html)) == 50
    assert "Page 1 of 2, 1 to 50 of 51" in html
    _needs(world, 102, start=51)
    large, html = page_queries(client, "/market/needs/")
    assert large == small
    assert "Page 1 of 4, 1 to 50 of 153" in html
    last, html = page_queries(client, "/market/needs/?page=4")
    assert last == small
    assert len(re.findall(r">Need \d{3}<", html)) == 3


def test_needs_page_two_shows_the_next_needs_and_not_another_units(world):
    _needs(world, 60)  # created in one statement: the order falls back to the newest key
    _needs(world, 5, start=900, unit=world.other_unit, agency=world.other_unit_agency)
    html = world.client("staff").get("/market/needs/?page=2").content.decode()
    assert re.findall(r">Need (\d{3})<", html) == [f"{i:03d}" for i in range(9, -1, -1)]
    assert "Need 9" not in html
    assert 'href="?page=1"' in html and "Page 2 of 2, 51 to 60 of 60" in html


def test_vendors_query_count_does_not_grow_with_the_data(world):
    client = world.client("staff")
    _vendors(51)
    small, html = page_queries(client, "/market/vendors/")
    assert "Page 1 of 2, 1 to 50 of 51" in html
    _vendors(102, start=51)
    large, html = page_queries(client, "/market/vendors/")
    assert large == small
    assert "Page 1 of 4, 1 to 50 of 153" in html


def test_vendors_page_two_continues_by_name_without_another_units_verification(world):
    _vendors(60)
    last = VendorProfile.objects.get(organization__name="Vendor 059")
    VendorVerification.objects.create(
        profile=last,
        organization=world.other_unit,
        verified_at=timezone.now(),
        note="Other unit's check",
    )
    html = world.client("staff").get("/market/vendors/?page=2").content.decode()
    assert re.findall(r">Vendor (\d{3})<", html) == [f"{i:03d}" for i in range(50, 60)]
    assert "Other unit's check" not in html and "Other Unit" not in html


def test_the_proposals_api_pages_in_order_and_counts_only_what_the_viewer_may_know(world, market):
    from django.test import Client

    from civicloop.market.models import Proposal
    from civicloop.web.tests import list_seeders

    list_seeders.proposals(world, 0, 5)
    order = list(
        Proposal.objects.order_by("challenge_id", "code", "pk").values_list("pk", flat=True)
    )
    assert len(order) == 7
    page = world.client("staff").get("/api/v1/market/proposals?limit=3&offset=2").json()
    assert page["count"] == 7
    assert [p["id"] for p in page["items"]] == order[2:5]
    rival = Client()
    rival.force_login(market.rival.person)
    own = rival.get("/api/v1/market/proposals?limit=3&offset=0").json()
    assert own["count"] == 1  # the other vendors' sealed proposals are not counted
    assert [p["id"] for p in own["items"]] == [market.rival_proposal.pk]
