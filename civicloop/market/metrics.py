"""Programme metrics: competition, supplier diversity and concentration, speed.

`compute_metrics` is pure (plain data in, dataclass out); `selectors.programme_metrics` gathers
the facts of a viewer's units from the database.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

SME_SIZES = frozenset({"micro", "small", "medium"})
STARTUP_MAX_AGE_YEARS = 5


@dataclass(frozen=True)
class AwardFact:
    vendor_id: int
    vendor_name: str
    amount: Decimal
    sme: bool
    startup: bool
    first_time: bool


@dataclass(frozen=True)
class ProgrammeMetrics:
    challenges_closed: int
    bids_per_challenge: dict[str, int]
    mean_bids: float | None
    single_bid_rate: float | None  # share of closed challenges with exactly one bid
    awards: int
    award_value: Decimal
    sme_share_count: float | None
    sme_share_value: float | None
    startup_share_count: float | None
    startup_share_value: float | None
    first_time_share_count: float | None
    first_time_share_value: float | None
    hhi: float | None  # Herfindahl-Hirschman index of award value, 0..10 000
    supplier_value: dict[str, Decimal]
    days_need_to_contract: list[int]
    median_days_need_to_contract: float | None


def hhi(values: list[Decimal]) -> float | None:
    """Σ (100 × share)² over suppliers: 10 000 for a monopoly, 10 000/n for n equal suppliers."""
    total = sum(values, Decimal(0))
    if total <= 0:
        return None
    return round(sum(float(v / total * 100) ** 2 for v in values), 2)


def _share(part: list[bool], weights: list[Decimal] | None = None) -> float | None:
    if not part:
        return None
    if weights is None:
        return round(sum(part) / len(part), 4)
    total = sum(weights, Decimal(0))
    if total <= 0:
        return None
    return round(
        float(sum((w for p, w in zip(part, weights, strict=True) if p), Decimal(0)) / total), 4
    )


def compute_metrics(
    *, bids: dict[str, int], awards: list[AwardFact], lead_times: list[int]
) -> ProgrammeMetrics:
    amounts = [a.amount for a in awards]
    by_supplier: dict[str, Decimal] = defaultdict(Decimal)
    for a in awards:
        by_supplier[a.vendor_name] += a.amount
    counts = list(bids.values())
    return ProgrammeMetrics(
        challenges_closed=len(counts),
        bids_per_challenge=dict(bids),
        mean_bids=round(statistics.fmean(counts), 2) if counts else None,
        single_bid_rate=round(sum(1 for c in counts if c == 1) / len(counts), 4)
        if counts
        else None,
        awards=len(awards),
        award_value=sum(amounts, Decimal(0)),
        sme_share_count=_share([a.sme for a in awards]),
        sme_share_value=_share([a.sme for a in awards], amounts),
        startup_share_count=_share([a.startup for a in awards]),
        startup_share_value=_share([a.startup for a in awards], amounts),
        first_time_share_count=_share([a.first_time for a in awards]),
        first_time_share_value=_share([a.first_time for a in awards], amounts),
        hhi=hhi(list(by_supplier.values())),
        supplier_value=dict(sorted(by_supplier.items(), key=lambda kv: -kv[1])),
        days_need_to_contract=sorted(lead_times),
        median_days_need_to_contract=float(statistics.median(lead_times)) if lead_times else None,
    )
