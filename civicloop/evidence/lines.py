"""The plain lines an impact report is gathered from: KPIs, services, themes and CX scores.

Effects are graded when they are read, so `EffectLine` and `ImpactInputs` live with the
grading in `civicloop.evidence.inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class KpiLine:
    name: str
    category: str
    unit: str
    direction: str
    baseline: float
    baseline_date: date
    target: float
    target_date: date
    latest: float | None
    latest_date: date | None
    progress: float | None
    target_met: bool
    off_track: bool
    points: list[tuple[date, float]] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceLine:
    name: str
    annual_volume: float
    volume_std_error: float
    cost_per_transaction: float
    # None: nobody entered it, and the figures that need it are not shown (never a stand-in).
    value_per_outcome_unit: float | None
    outcome_scale: float
    one_off_cost: float | None
    annual_running_cost: float | None
    currency: str
    source: str


@dataclass(frozen=True)
class ThemeLine:
    label: str
    mentions: int
    sentiment: float | None  # -1..1; None when the source does not score it
    summary: str
    source: str


@dataclass(frozen=True)
class ScoreLine:
    """A satisfaction or CX level (not an effect) with its 95% interval, from a survey."""

    label: str
    kind: str  # share (percent), mean, nps
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    source: str
