"""The writer's in-memory directory of exposed units must answer exactly like a dict, even when
unit ids' hashes collide (forced here by a tiny hash space)."""

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from civicloop.analytics.exposure_directory import MULTI, ExperimentExposures

UNITS = [f"u{i}" for i in range(40)]


def _keys(units: list[str], space: int) -> np.ndarray:
    # A deliberately poor hash: many distinct units share a key.
    return np.array([sum(map(ord, u)) % space for u in units], dtype=np.uint64)


@settings(max_examples=60, deadline=None)
@given(
    space=st.integers(1, 50),
    batches=st.lists(
        st.lists(
            st.tuples(st.sampled_from(UNITS), st.integers(0, 1000), st.sampled_from([0, 1, MULTI])),
            max_size=15,
            unique_by=lambda t: t[0],
        ),
        max_size=12,
    ),
)
def test_directory_answers_like_a_dict_whatever_the_collisions(space, batches):
    directory = ExperimentExposures(variants=["control", "treatment"])
    model: dict[str, tuple[int, int]] = {}
    for batch in batches:
        units = [u for u, _, _ in batch]
        keys = _keys(units, space)
        arrow_units = pa.array(units, pa.string())
        where = directory.locate(keys, arrow_units)
        first, variant = directory.get(where)
        for i, unit in enumerate(units):
            assert bool(where.found[i]) == (unit in model), unit
            if unit in model:
                assert (int(first[i]), int(variant[i])) == model[unit]
        new_first = np.array([f for _, f, _ in batch], dtype=np.int64)
        new_variant = np.array([v for _, _, v in batch], dtype=np.int32)
        directory.set(where, where.found, new_first, new_variant)
        fresh = ~where.found
        directory.insert(
            keys[fresh], arrow_units.filter(pa.array(fresh)), new_first[fresh], new_variant[fresh]
        )
        for unit, f, v in batch:
            model[unit] = (f, v)
        assert len(directory) == len(model)
    everything = sorted(model)
    where = directory.locate(_keys(everything, space), pa.array(everything, pa.string()))
    first, variant = directory.get(where)
    assert where.found.all()
    assert {
        u: (int(f), int(v)) for u, f, v in zip(everything, first, variant, strict=True)
    } == model
