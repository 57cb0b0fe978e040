import hashlib
import json
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest
from scipy import stats

from civicloop.analytics.assignment import (
    Assignment,
    ExperimentConfig,
    Holdout,
    Variant,
    assign,
    layer_check,
)

UNITS = [f"citizen-{i}" for i in range(40_000)]


def _config(**kwargs: Any) -> ExperimentConfig:
    base: dict[str, Any] = {
        "key": "checkout",
        "salt": "s1",
        "variants": (Variant("control", 1), Variant("treatment", 1)),
    }
    base.update(kwargs)
    return ExperimentConfig(**base)


def _variant(config: ExperimentConfig, unit: str) -> str:
    """The variant a unit is assigned to (every unit in these tests is in the experiment)."""
    assignment = assign(config, unit)
    assert assignment is not None
    return assignment.variant


def test_bucket_matches_the_documented_sha256_recipe():
    # Reproduced here from the documentation, independently of the module's helper.
    config = _config(variants=(Variant("a", 1),))
    result = assign(config, "unit-42")
    digest = hashlib.sha256(b"exp:checkout:s1:unit-42").digest()
    assert result == Assignment("checkout", "a", int.from_bytes(digest[:8], "big") % 10000)


def test_weighted_split_passes_chi_square_against_the_weights():
    config = _config(variants=(Variant("a", 5), Variant("b", 3), Variant("c", 2)))
    counts = Counter(_variant(config, unit) for unit in UNITS)
    observed = [counts["a"], counts["b"], counts["c"]]
    expected = [len(UNITS) * w / 10 for w in (5, 3, 2)]
    _, p_value = stats.chisquare(observed, expected)
    assert p_value > 0.001


def test_traffic_share_is_binomial_with_the_configured_rate():
    config = _config(traffic_bp=2500)
    entered = sum(assign(config, unit) is not None for unit in UNITS)
    assert stats.binomtest(entered, len(UNITS), 0.25).pvalue > 0.001


def test_raising_traffic_only_adds_units_and_never_moves_them():
    before = _config(traffic_bp=2000)
    after = _config(traffic_bp=6000)
    for unit in UNITS[:5000]:
        old = assign(before, unit)
        if old is not None:
            assert _variant(after, unit) == old.variant


def test_assignment_is_the_same_in_another_process():
    config = _config(variants=(Variant("a", 2), Variant("b", 1)), traffic_bp=7000)
    units = UNITS[:500]
    here = [None if (a := assign(config, u)) is None else a.variant for u in units]
    code = (
        "import json,sys\n"
        "from civicloop.analytics.assignment import ExperimentConfig, Variant, assign\n"
        "c = ExperimentConfig(key='checkout', salt='s1', traffic_bp=7000,"
        " variants=(Variant('a', 2), Variant('b', 1)))\n"
        "units = json.load(sys.stdin)\n"
        "print(json.dumps([None if (a := assign(c, u)) is None else a.variant for u in units]))\n"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        input=json.dumps(units),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert json.loads(out.stdout) == here


def test_holdout_excludes_its_share_from_every_experiment():
    holdout = Holdout("global-2026", 1000)
    first = _config(holdout=holdout)
    second = _config(key="forms", salt="x", holdout=holdout)
    out_first = {u for u in UNITS if assign(first, u) is None}
    out_second = {u for u in UNITS if assign(second, u) is None}
    assert out_first == out_second  # the same people are held out everywhere
    assert stats.binomtest(len(out_first), len(UNITS), 0.10).pvalue > 0.001


def test_experiments_in_one_layer_never_share_a_unit():
    left = _config(key="left", layer="homepage", layer_range=(0, 5000))
    right = _config(key="right", layer="homepage", layer_range=(5000, 10000))
    layer_check(experiments=[left, right])
    in_left = {u for u in UNITS if assign(left, u) is not None}
    in_right = {u for u in UNITS if assign(right, u) is not None}
    assert not in_left & in_right
    assert len(in_left | in_right) == len(UNITS)


def test_overlapping_layer_ranges_are_refused():
    left = _config(key="left", layer="homepage", layer_range=(0, 6000))
    right = _config(key="right", layer="homepage", layer_range=(5000, 10000))
    with pytest.raises(ValueError, match="overlap"):
        layer_check(experiments=[left, right])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "a:b"}, "key must not contain ':'"),
        ({"traffic_bp": 10001}, "traffic_bp"),
        ({"variants": (Variant("a", 0),)}, "weights must not all be zero"),
        ({"variants": (Variant("a"), Variant("a"))}, "unique"),
        ({"layer_range": (7000, 6000)}, "layer_range"),
    ],
)
def test_invalid_configuration_names_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _config(**kwargs)
