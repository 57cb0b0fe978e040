"""ISAT aggregation and the documented readiness rule."""

import numpy as np
import pytest

from civicloop.scaling.assessment import DOMAINS, readiness, summarise


def _scores(ratings: dict[str, list[int]]) -> list[tuple[str, str, int]]:
    rows = []
    for domain in DOMAINS:
        for i, score in enumerate(ratings.get(domain, [4, 4])):
            rows.append((f"assessor-{i}", domain, score))
    return rows


def test_domain_mean_and_spread_match_numpy():
    rows = _scores({"workforce": [2, 3, 5], "effectiveness": [5, 4, 4]})
    by = {s.domain: s for s in summarise(rows)}
    assert by["workforce"].mean == pytest.approx(np.mean([2, 3, 5]))
    assert by["workforce"].sd == pytest.approx(np.std([2, 3, 5], ddof=1))
    assert (by["workforce"].low, by["workforce"].high, by["workforce"].n) == (2, 5, 3)
    assert [s.domain for s in summarise(rows)] == list(DOMAINS)


def test_one_assessor_is_not_enough():
    rows = [("only", d, 5) for d in DOMAINS]
    assert readiness(rows).verdict == "incomplete"


def test_a_missing_domain_leaves_the_assessment_incomplete():
    rows = [r for r in _scores({}) if not (r[0] == "assessor-1" and r[1] == "costs")]
    assert readiness(rows).verdict == "incomplete"


def test_every_domain_strong_and_effectiveness_at_least_four_is_ready():
    result = readiness(_scores({d: [4, 4] for d in DOMAINS}))
    assert result.verdict == "ready"
    assert result.weak_domains == []


def test_weak_effectiveness_keeps_it_conditional():
    result = readiness(_scores({"effectiveness": [4, 3]}))  # mean 3.5 < 4.0
    assert result.verdict == "conditional"
    assert result.weak_domains == ["effectiveness"]


def test_a_domain_below_two_and_a_half_means_not_ready():
    result = readiness(_scores({"workforce": [2, 2], "infrastructure": [3, 2]}))
    assert result.verdict == "not_ready"
    assert result.weak_domains == ["workforce"]  # 2.5 is not below 2.5


def test_disagreement_of_two_points_is_flagged():
    result = readiness(_scores({"context": [5, 3], "reach": [4, 3]}))
    assert result.disputed_domains == ["context"]
