"""Incremental per-unit roll-ups that make an experiment analysis a scan of one row per unit.

Tables (DuckDB, same database as the events):

``rollup_exposure(experiment, unit_id, first_ts, min_variant, max_variant)``
    append-only: a unit's exposure to an experiment is the aggregate of its rows (earliest
    ``first_ts``, least ``min_variant``, greatest ``max_variant``); ``min_variant <> max_variant``
    marks units that saw two variants (left out of every analysis, like the reference SQL).
    ``rebuild_all`` writes one row per unit; each batch appends one row per unit whose exposure
    it changed.
``rollup_sources(id, experiment, event_name, window_hours, pre_window_hours)``
    the (experiment, event, windows) combinations that metrics asked for.
``rollup_exp_<n>(unit_id, variant, first_ts, c<k>, vc<k>, vs<k>, pc<k>, pvc<k>, pvs<k>, ...)``
    one wide table per experiment (``n`` from ``rollup_experiments``), one row per exposed
    single-variant unit, six additive components per source ``k``: events, non-null values and
    their sum in the metric window (``c, vc, vs``) and in the pre-exposure window
    (``pc, pvc, pvs``).

The writer calls :func:`apply_batch` inside the transaction that appends a batch, so roll-ups
and events commit together. For each batch (``batch.py``):

1. exposures of the batch are looked up in the writer's in-memory directory of exposed units
   (``exposure_directory``, ADR 0018), which answers in time proportional to the batch's
   exposures; units whose first exposure or variant set changed form the *changed* set, and
   their batch rows are appended to ``rollup_exposure`` (``exposures.py``);
2. changed units are recomputed from the stored events (only events newer than the earliest
   changed first exposure minus the longest pre-window are read, which zone maps prune when
   events arrive roughly in time order);
3. for every other exposed unit the batch's events are classified against its known first
   exposure (an integer microsecond offset; events outside every window are dropped first),
   the non-zero deltas are staged (with the row id of the unit's row) in a temp table and
   *added* to the components by one ``UPDATE ... FROM`` on the row id (count, value count
   and value sum are additive).

Every metric value is a function of the components, so the per-variant moments of all the
experiment's metrics come from one ``GROUP BY variant`` scan of one row per unit, no join
(``reads.py``). The tables and full builds are in ``tables.py``, the SQL the steps share in
``sql.py``.
"""

from civicloop.analytics.rollups.batch import apply_batch
from civicloop.analytics.rollups.reads import ROLLUP_AGGREGATIONS, statistics, supports
from civicloop.analytics.rollups.tables import SCHEMA, rebuild_all, schema_create, sources_ensure

__all__ = [
    "ROLLUP_AGGREGATIONS",
    "SCHEMA",
    "apply_batch",
    "rebuild_all",
    "schema_create",
    "sources_ensure",
    "statistics",
    "supports",
]
