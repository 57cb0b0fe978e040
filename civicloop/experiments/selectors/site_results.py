"""Results of site designs (pilots, before/after, synthetic control) in people's terms.

The effect is written in the primary metric's unit (a mean of percentages in percentage
points), with its interval where the method has one. A synthetic control has none: its
inference is the placebo distribution (Abadie, Diamond & Hainmueller 2010, sec. 2.4), each
comparison site refitted as if it had been treated, and the p-value is the share of all sites
whose post/pre RMSPE ratio is at least the treated site's. Pilots show the pre-trend test (a
placebo difference-in-differences inside the pre-period); synthetic controls the donor weights.

Pure: reads the snapshot and the experiment's primary metric, writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from civicloop.experiments.models import Experiment, ResultSnapshot
from civicloop.experiments.selectors.effects import (
    MetricUnit,
    decimals,
    interval_text,
    p_text,
    plain_number,
    signed,
    with_unit,
)

PRETREND_ALPHA = 0.05


@dataclass
class SiteSummary:
    design: str
    metric: str = ""
    unit: str = ""  # unit of the effect
    effect_text: str = ""
    interval_text: str = ""
    p_value: float | None = None
    pretrend_p: float | None = None
    donors: list[dict[str, Any]] = field(default_factory=list)  # site, weight, share (text)
    placebo: list[dict[str, Any]] = field(default_factory=list)  # site, ratio, treated
    placebo_rank: int | None = None  # sites with a ratio >= the treated site's, itself included
    placebo_total: int = 0  # every site: the treated one and each donor
    treated_site: str = ""
    intervention: str | None = None
    p_value_text: str = "–"

    @property
    def pretrend_diverging(self) -> bool:
        return self.pretrend_p is not None and self.pretrend_p < PRETREND_ALPHA


def _primary(experiment: Experiment) -> tuple[str, str]:
    for link in experiment.metric_links.select_related("metric"):
        if link.role == "primary":
            return link.metric.name, link.metric.unit_label
    return "", ""


def site_summary(*, experiment: Experiment, snapshot: ResultSnapshot | None) -> SiteSummary | None:
    """The effect of a site design's snapshot with its unit, interval or placebo distribution."""
    if snapshot is None or not snapshot.ok:
        return None
    payload = snapshot.payload
    if payload.get("design") in (None, "randomised") or not payload.get("effect"):
        return None
    name, label = _primary(experiment)
    unit = MetricUnit("mean", label)
    effect = payload["effect"]
    summary = SiteSummary(
        design=payload["design"],
        metric=name,
        unit=unit.effect_unit,
        p_value=effect.get("p_value"),
        pretrend_p=payload.get("pretrend_p_value"),
        intervention=payload.get("intervention")
        or (experiment.intervention_date.isoformat() if experiment.intervention_date else None),
    )
    summary.p_value_text = p_text(summary.p_value)
    estimate, low, high = effect.get("estimate"), effect.get("ci_low"), effect.get("ci_high")
    if estimate is not None:
        spread = (high - low) / 2 if low is not None and high is not None else abs(estimate) / 10
        places = decimals(spread, 1 if unit.in_points else 0)
        summary.effect_text = with_unit(signed(estimate, places), summary.unit)
        if low is not None and high is not None:
            summary.interval_text = interval_text(low, high, summary.unit, places)
    _synthetic(summary, payload)
    return summary


def _synthetic(summary: SiteSummary, payload: dict[str, Any]) -> None:
    """Donor weights (largest first) and the placebo distribution of a synthetic control."""
    weights = payload.get("donor_weights") or {}
    summary.donors = [
        {"site": site, "weight": w, "share": with_unit(plain_number(w * 100, 1), "%")}
        for site, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    treated = (payload.get("treated_sites") or [""])[0]
    ratio = (payload.get("result") or {}).get("rmspe_ratio")
    if not payload.get("placebo") or ratio is None:
        return
    summary.treated_site = treated
    summary.placebo = [{"site": treated, "ratio": ratio, "treated": True}] + [
        {"site": p["site"], "ratio": p["rmspe_ratio"], "treated": False}
        for p in payload["placebo"]
        if p.get("rmspe_ratio") is not None
    ]
    summary.placebo.sort(key=lambda p: -p["ratio"])
    # an infinite placebo ratio (a perfect pre-period fit) is stored as null: it ranks above
    summary.placebo_total = len(payload["placebo"]) + 1
    summary.placebo_rank = (
        sum(
            1
            for p in payload["placebo"]
            if p.get("rmspe_ratio") is None or p["rmspe_ratio"] >= ratio
        )
        + 1
    )


def placebo_sentence(summary: SiteSummary) -> str:
    """ "San Telmo's gap after the change, relative to its fit before, is the largest of 7 …" """
    if summary.placebo_rank is None:
        return ""
    return _(
        "Placebo test: refitting every comparison site as if it had been treated, "
        "%(rank)s of %(total)s sites (%(site)s included) have a post/pre-change RMSPE ratio at "
        "least as large as %(site)s's, so p = %(rank)s/%(total)s."
    ) % {
        "rank": summary.placebo_rank,
        "total": summary.placebo_total,
        "site": summary.treated_site,
    }
