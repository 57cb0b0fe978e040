"""The demo tells the market's story: one challenge in consultation, one awarded with a pilot."""

from __future__ import annotations

import time

import pytest

from civicloop.core.demo import load_core_demo
from civicloop.market import demo, selectors
from civicloop.market.models import ChallengeStatus
from civicloop.market.ocds.build import release_package, validation_errors
from civicloop.portfolio import demo as portfolio_demo


@pytest.mark.django_db
def test_demo_loads_fast_and_valid():
    ctx: dict = {"orgs": load_core_demo()}
    portfolio_demo.load(ctx)
    started = time.perf_counter()
    demo.load(ctx)
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"market demo took {elapsed:.1f}s"
    market = ctx["market"]
    contract = market["contract"]
    assert contract.pilot_problem == ctx["problems"]["licence-renewals"]
    assert market["awarded_challenge"].status == ChallengeStatus.AWARDED
    assert market["consultation_challenge"].status == ChallengeStatus.CONSULTATION
    assert selectors.proposal_count(challenge=market["awarded_challenge"]) == 3
    package = release_package()
    assert validation_errors(package) == []
    assert len(package["releases"]) == 2
