# SQL is generated here by design: the only literal (an experiment key) is quoted.
# ruff: noqa: S608
"""In memory: the units each experiment has exposed, their first exposure and variant (ADR 0018).

For every batch the writer must know which of the batch's exposed units are new to an
experiment and whose first exposure or set of variants the batch changes. Asked of DuckDB,
that is a join against every stored exposure of the experiment (8 million rows at 100 million
events) for the few tens of thousands of exposures a batch of a million events holds. This
directory answers it by binary search over sorted 64-bit hashes of the unit ids, so its cost
follows the batch's exposures, not the store.

It is exact: a hash match counts only when the stored unit id equals the batch's (the ids are
kept as Arrow strings beside the hashes); units whose hash collides with another unit's live
in a small dict keyed by the unit id (expected empty: about 3 in a million stores of 10 million
units have a collision at all).

Per experiment the entries are sorted *runs* of (hash, unit id, first exposure in microseconds,
variant code; ``MULTI`` for a unit that saw two variants): a large main run and a tail run that
takes new units and is merged into the main run when it passes an eighth of it, so an insert
costs amortised O(1) copies per unit. The directory is derived data: the writer builds it from
``rollup_exposure`` when it first needs an experiment and forgets it whenever a transaction
rolls back or the DuckDB file changes hands (``ExposureDirectories.clear``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MULTI = -1  # the variant code of a unit that saw two variants (left out of every analysis)


@dataclass
class _Run:
    keys: np.ndarray  # uint64, sorted, unique within and across runs
    units: pa.Array  # large_string, aligned with keys
    first_us: np.ndarray  # int64
    variant: np.ndarray  # int32 code into ExperimentExposures.variants, or MULTI

    @classmethod
    def empty(cls) -> _Run:
        return cls(
            np.empty(0, np.uint64),
            pa.array([], pa.large_string()),
            np.empty(0, np.int64),
            np.empty(0, np.int32),
        )


@dataclass
class Located:
    """Where each looked-up unit is: ``run`` -1 absent, 0 main, 1 tail, 2 overflow."""

    run: np.ndarray  # int8
    pos: np.ndarray  # int64 (overflow: unused)
    units: pa.Array  # the looked-up unit ids (for overflow entries)

    @property
    def found(self) -> np.ndarray:
        return self.run >= 0


@dataclass
class ExperimentExposures:
    variants: list[str] = field(default_factory=list)
    main: _Run = field(default_factory=_Run.empty)
    tail: _Run = field(default_factory=_Run.empty)
    overflow: dict[str, list[int]] = field(default_factory=dict)  # unit id -> [first_us, code]

    def __len__(self) -> int:
        return len(self.main.keys) + len(self.tail.keys) + len(self.overflow)

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def from_table(cls, table: pa.Table) -> ExperimentExposures:
        """From rows ``h, unit_id, first_us, minv, maxv`` of distinct units, sorted by ``h``."""
        directory = cls()
        if table.num_rows == 0:
            return directory
        keys = np.array(table.column("h").to_numpy(), dtype=np.uint64)  # writable copies
        units = table.column("unit_id").combine_chunks().cast(pa.large_string())
        first_us = np.array(table.column("first_us").to_numpy(), dtype=np.int64)
        variant = directory.variant_codes(
            table.column("minv").combine_chunks(), table.column("maxv").combine_chunks()
        )
        duplicate = np.zeros(len(keys), bool)
        duplicate[1:] = keys[1:] == keys[:-1]
        if duplicate.any():  # hash collisions: the later units go to the overflow dict
            for i in np.nonzero(duplicate)[0]:
                directory.overflow[units[int(i)].as_py()] = [int(first_us[i]), int(variant[i])]
            keep = ~duplicate
            keys, first_us, variant = keys[keep], first_us[keep], variant[keep]
            units = units.filter(pa.array(keep))
        directory.main = _Run(keys, units, first_us, variant)
        return directory

    def variant_codes(self, minv: pa.Array, maxv: pa.Array) -> np.ndarray:
        """Codes of ``minv`` (adding unseen variants), ``MULTI`` where ``minv != maxv``."""
        for name in pc.unique(minv).to_pylist():
            if name not in self.variants:
                self.variants.append(name)
        codes = pc.index_in(minv, value_set=pa.array(self.variants, minv.type)).to_numpy(
            zero_copy_only=False
        )
        codes = codes.astype(np.int32)
        single = pc.equal(minv, maxv).to_numpy(zero_copy_only=False)
        return np.where(single, codes, MULTI).astype(np.int32)

    # -- lookups and updates ----------------------------------------------------------------

    def locate(self, keys: np.ndarray, units: pa.Array) -> Located:
        run = np.full(len(keys), -1, np.int8)
        pos = np.zeros(len(keys), np.int64)
        units = units.cast(pa.large_string())
        collided = np.zeros(len(keys), bool)
        for number, part in enumerate((self.main, self.tail)):
            if not len(part.keys):
                continue
            at = np.minimum(np.searchsorted(part.keys, keys), len(part.keys) - 1)
            hit = np.nonzero((part.keys[at] == keys) & (run < 0))[0]
            if not len(hit):
                continue
            same = pc.equal(part.units.take(pa.array(at[hit])), units.take(pa.array(hit)))
            same_np = same.to_numpy(zero_copy_only=False)
            run[hit[same_np]] = number
            pos[hit[same_np]] = at[hit[same_np]]
            collided[hit[~same_np]] = True
        if self.overflow:
            for i in np.nonzero(collided & (run < 0))[0]:
                if units[int(i)].as_py() in self.overflow:
                    run[i] = 2
        return Located(run, pos, units)

    def _parts(self) -> tuple[_Run, _Run]:
        return self.main, self.tail

    def get(self, where: Located) -> tuple[np.ndarray, np.ndarray]:
        """(first_us, variant code) of located units; zeros/MULTI for absent ones."""
        first_us = np.zeros(len(where.run), np.int64)
        variant = np.full(len(where.run), MULTI, np.int32)
        for number, part in enumerate(self._parts()):
            sel = where.run == number
            first_us[sel] = part.first_us[where.pos[sel]]
            variant[sel] = part.variant[where.pos[sel]]
        for i in np.nonzero(where.run == 2)[0]:
            first_us[i], variant[i] = self.overflow[where.units[int(i)].as_py()]
        return first_us, variant

    def set(self, where: Located, mask: np.ndarray, first_us: np.ndarray, variant: Any) -> None:
        """Set first exposure and variant of the located units selected by ``mask``."""
        for number, part in enumerate(self._parts()):
            sel = mask & (where.run == number)
            part.first_us[where.pos[sel]] = first_us[sel]
            part.variant[where.pos[sel]] = variant[sel]
        for i in np.nonzero(mask & (where.run == 2))[0]:
            self.overflow[where.units[int(i)].as_py()] = [int(first_us[i]), int(variant[i])]

    def insert(
        self, keys: np.ndarray, units: pa.Array, first_us: np.ndarray, variant: np.ndarray
    ) -> None:
        """Add units that ``locate`` did not find (distinct unit ids)."""
        if not len(keys):
            return
        units = units.cast(pa.large_string())
        order = np.argsort(keys, kind="stable")
        keys, first_us, variant = keys[order], first_us[order], variant[order]
        units = units.take(pa.array(order))
        # A key already present (another unit's) or repeated in this insert is a collision.
        clash = np.zeros(len(keys), bool)
        clash[1:] = keys[1:] == keys[:-1]
        for part in self._parts():
            if len(part.keys):
                at = np.minimum(np.searchsorted(part.keys, keys), len(part.keys) - 1)
                clash |= part.keys[at] == keys
        for i in np.nonzero(clash)[0]:
            self.overflow[units[int(i)].as_py()] = [int(first_us[i]), int(variant[i])]
        keep = ~clash
        if not keep.all():
            keys, first_us, variant = keys[keep], first_us[keep], variant[keep]
            units = units.filter(pa.array(keep))
        self.tail = _merge(self.tail, _Run(keys, units, first_us, variant))
        if len(self.tail.keys) > max(65_536, len(self.main.keys) // 8):
            self.main, self.tail = _merge(self.main, self.tail), _Run.empty()


def _merge(a: _Run, b: _Run) -> _Run:
    if not len(a.keys):
        return b
    keys = np.concatenate([a.keys, b.keys])
    order = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge
    return _Run(
        keys[order],
        pa.concat_arrays([a.units, b.units]).take(pa.array(order)),
        np.concatenate([a.first_us, b.first_us])[order],
        np.concatenate([a.variant, b.variant])[order],
    )


class ExposureDirectories:
    """The writer's directories, one per experiment, built on first use."""

    def __init__(self) -> None:
        self.experiments: dict[str, ExperimentExposures] = {}

    def clear(self) -> None:
        self.experiments.clear()

    def get(self, con: Any, experiment: str) -> ExperimentExposures:
        directory = self.experiments.get(experiment)
        if directory is None:
            literal = "'" + experiment.replace("'", "''") + "'"
            table = con.sql(
                "SELECT hash(unit_id) AS h, unit_id, epoch_us(MIN(first_ts)) AS first_us, "
                "MIN(min_variant) AS minv, MAX(max_variant) AS maxv FROM rollup_exposure "
                f"WHERE experiment = {literal} GROUP BY unit_id ORDER BY h"
            ).to_arrow_table()
            directory = ExperimentExposures.from_table(table)
            self.experiments[experiment] = directory
        return directory
