"""The market in a real browser: the public challenge page, a vendor sealing a proposal, and
the unit's workspace, each checked with axe."""

import pytest

from civicloop.market.models import Proposal
from civicloop.market.tests.factories import open_challenge
from civicloop.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_page_vendor_submits_and_unit_workspace(live_server, page, world):
    challenge, _ = open_challenge(world)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/")
    assert page.locator("h1").inner_text() == challenge.title
    assert_accessible(page)

    sign_in(page, live_server.url, world.people["vendor"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/propose/")
    assert_accessible(page)
    page.fill("#id_content", "We will interview shopkeepers and pilot a three-step online form.")
    page.fill("#id_price", "25000")
    page.click("button:has-text('Submit sealed proposal')")
    page.wait_for_load_state("networkidle")
    proposal = Proposal.objects.get()
    assert page.url.endswith(f"/market/proposals/{proposal.pk}/")
    assert "three-step online form" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, live_server.url, world.people["staff"].email)
    page.goto(f"{live_server.url}/market/challenges/{challenge.pk}/manage/")
    assert "sealed until the deadline" in page.content()
    assert "three-step online form" not in page.content()
    assert_accessible(page)
