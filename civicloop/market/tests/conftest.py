from __future__ import annotations

from dataclasses import dataclass

import pytest

from civicloop.market.models import Challenge, Phase, Proposal
from civicloop.market.tests.factories import (
    CANARY,
    RIVAL_CANARY,
    Rival,
    open_challenge,
    rival_vendor,
    submit,
)


@dataclass
class Market:
    challenge: Challenge
    phase: Phase
    proposal: Proposal
    rival: Rival
    rival_proposal: Proposal


@pytest.fixture
def market(world) -> Market:
    """An open challenge with two sealed proposals (world's vendor and a rival company)."""
    challenge, phase = open_challenge(world)
    proposal = submit(world, challenge, phase, world.company, CANARY)
    rival = rival_vendor()
    rival_proposal = submit(rival.person, challenge, phase, rival.company, RIVAL_CANARY)
    return Market(challenge, phase, proposal, rival, rival_proposal)
