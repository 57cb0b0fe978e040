"""Pure computations checked against closed-form references."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from civicloop.market.metrics import AwardFact, compute_metrics, hhi
from civicloop.market.similarity import similarity_matrix, tfidf_matrix


def test_tfidf_matches_hand_computation():
    # docs: "alpha beta", "alpha gamma"; n=2; idf(alpha)=ln(3/3)+1=1, idf(beta)=ln(3/2)+1
    m = tfidf_matrix(["alpha beta", "alpha gamma"])
    w = math.log(1.5) + 1
    expected_row = np.array([1.0, w]) / math.hypot(1.0, w)
    # vocabulary sorted: alpha, beta, gamma
    assert m[0] == pytest.approx([expected_row[0], expected_row[1], 0.0])
    sims = similarity_matrix(["alpha beta", "alpha gamma"])
    assert sims[0, 1] == pytest.approx(1.0 / (1.0 + w * w))
    assert sims[0, 0] == pytest.approx(1.0)


def test_hhi_reference_values():
    assert hhi([Decimal(5)]) == 10000  # monopoly
    assert hhi([Decimal(1)] * 4) == pytest.approx(2500)  # 4 equal suppliers: 10 000 / 4
    # shares 50/30/20 -> 2500 + 900 + 400
    assert hhi([Decimal(50), Decimal(30), Decimal(20)]) == pytest.approx(3800)


def test_programme_metrics_closed_form():
    awards = [
        AwardFact(1, "A", Decimal("60000"), sme=True, startup=True, first_time=True),
        AwardFact(2, "B", Decimal("30000"), sme=False, startup=False, first_time=True),
        AwardFact(1, "A", Decimal("10000"), sme=True, startup=True, first_time=False),
    ]
    m = compute_metrics(
        bids={"c1": 1, "c2": 3, "c3": 1, "c4": 4}, awards=awards, lead_times=[100, 40, 70]
    )
    assert m.single_bid_rate == 0.5 and m.mean_bids == 2.25
    assert m.sme_share_count == pytest.approx(2 / 3, abs=1e-4)
    assert m.sme_share_value == pytest.approx(0.7)
    assert m.first_time_share_value == pytest.approx(0.9)
    # A has 70 %, B 30 %: 4900 + 900
    assert m.hhi == pytest.approx(5800)
    assert m.median_days_need_to_contract == 70
