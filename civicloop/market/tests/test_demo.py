"""The demo tells the market's story: one challenge in consultation, one awarded with a pilot."""

from __future__ import annotations

import pytest

from civicloop.core.demo import load_core_demo
from civicloop.market import demo, selectors
from civicloop.market.models import ChallengeStatus
from civicloop.market.ocds.build import release_package, validation_errors
from civicloop.portfolio import demo as portfolio_demo


@pytest.mark.django_db
def test_demo_loads_a_valid_story():
    # How long loading takes is measured in bench/, not asserted here.
    ctx: dict = {"orgs": load_core_demo()}
    portfolio_demo.load(ctx)
    demo.load(ctx)
    market = ctx["market"]
    contract = market["contract"]
    assert contract.pilot_problem == ctx["problems"]["licence-renewals"]
    assert market["awarded_challenge"].status == ChallengeStatus.AWARDED
    assert market["consultation_challenge"].status == ChallengeStatus.CONSULTATION
    assert selectors.proposal_count(challenge=market["awarded_challenge"]) == 3
    # Awarded because feasibility made its award and the pilot (no bids) was closed with a
    # reason; the public page names the winner, the amount and why.
    awarded = market["awarded_challenge"]
    assert awarded.phases.get(kind="pilot").close_reason
    winners = selectors.award_list_public(challenge=awarded)
    assert [(w.phase, w.amount) for w in winners] == [("feasibility", 28000)]
    package = release_package()
    assert validation_errors(package) == []
    assert len(package["releases"]) == 2
