"""Results in people's terms: every effect with its unit, interval, adjusted p-value and verdict.

A snapshot's payload holds each metric's effect on the metric's own scale (a proportion as a
rate 0-1, a mean or ratio in the metric's unit). This module turns it into what the results
page, the decision page and the API show:

* **Units.** The absolute effect of a proportion metric is in percentage points (the rate
  difference x 100); of a mean or ratio metric, in the metric's unit of measure (`unit_label`;
  a mean of percentages is again in percentage points). The relative effect (treatment /
  control - 1) is in per cent, with its own interval from the stats engine (delta method, or the
  always-valid sequence while running). "+7.0 pp (+28.7%)" reads: the rate rose by 7.0 points,
  which is 28.7% more than control's rate.
* **Multiple testing.** Every (metric, variant) comparison of the experiment is one test of
  one family; the p-values are adjusted over that family with Holm's step-down method (the
  chance of any false positive stays at alpha) and Benjamini-Hochberg's (the expected share of
  false positives among the "significant" ones). The stats engine adjusts within one metric
  only, so the family of the whole experiment is adjusted here, from the stored p-values.
* **Guardrails.** A guardrail with a non-inferiority margin is "breached" when its estimated
  harm exceeds the margin, "within the margin" when the non-inferiority test shows it, and
  "not yet shown safe" otherwise; without a margin it is "worse" when its whole interval lies
  on the harmful side. The experiment's guardrail verdict is the worst of its guardrails.
* **Chance to beat control and the interval.** The chance is a Bayesian summary (flat prior,
  normal approximation) at this look; while the experiment runs the interval is always-valid,
  hence wider. When the chance is at least 90% (or at most 10%) but the interval still
  includes zero, the row says why both are right.

Pure: reads the snapshot and the experiment's metric links, writes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from civicloop.experiments.models import Experiment, ResultSnapshot
from civicloop.stats import bh_adjust, holm_adjust
from civicloop.web import numbers

VERDICT_ORDER = ["breached", "worse", "not_shown", "no_margin", "within"]
DISAGREEMENT_CHANCE = 0.9


@dataclass(frozen=True)
class MetricUnit:
    """How one metric's absolute numbers are written: its kind and unit of measure."""

    kind: str  # proportion | mean | ratio
    label: str  # the metric's unit of measure, "" when none was set

    @property
    def in_points(self) -> bool:
        """Absolute differences in percentage points: rates, and means of percentages."""
        return self.kind == "proportion" or self.label.strip() == "%"

    @property
    def scale(self) -> float:
        return 100.0 if self.kind == "proportion" else 1.0

    @property
    def effect_unit(self) -> str:
        return _("pp") if self.in_points else self.label


@dataclass
class EffectRow:
    """One variant against control on one metric, ready to show."""

    metric_key: str
    metric: str
    role: str
    variant: str
    unit: str  # unit of the absolute effect: "pp" or the metric's unit
    n_control: int
    n_treatment: int
    control: str  # the control's mean, written with its unit
    treatment: str
    estimate: float | None  # absolute effect in `unit` (pp for a proportion)
    ci_low: float | None
    ci_high: float | None
    relative: float | None  # relative effect in %
    relative_low: float | None
    relative_high: float | None
    p_value: float | None
    p_holm: float | None = None
    p_bh: float | None = None
    chance_to_beat_control: float | None = None
    margin: str = ""
    verdict: str | None = None  # guardrails only, see VERDICT_ORDER
    effect_text: str = ""
    relative_text: str = ""  # the relative effect alone: "+28.7%"
    interval_text: str = ""
    relative_interval_text: str = ""
    disagreement: str = ""
    error: str = ""
    p_value_text: str = "–"  # "0.0123", "< 0.0001"
    p_holm_text: str = "–"
    p_bh_text: str = "–"


def _p_texts(row: EffectRow) -> None:
    row.p_value_text = p_text(row.p_value)
    row.p_holm_text = p_text(row.p_holm)
    row.p_bh_text = p_text(row.p_bh)


@dataclass
class ResultsSummary:
    """Every effect of a randomised experiment's snapshot, and what to say about them."""

    rows: list[EffectRow] = field(default_factory=list)
    alpha: float = 0.05
    sequential: bool = False
    family_size: int = 0
    guardrail_verdict: str | None = None

    @property
    def confidence(self) -> int:
        return round((1 - self.alpha) * 100)


# --- numbers written with their unit ---------------------------------------------------------


def decimals(spread: float | None, floor: int) -> int:
    """Decimals that show the interval's precision: one significant digit of its half-width."""
    if spread is None or not spread > 0 or not math.isfinite(spread):
        return max(floor, 1)
    return min(4, max(floor, 1 - math.floor(math.log10(spread))))


plain_number = numbers.number
signed = numbers.signed


def with_unit(text: str, unit: str) -> str:
    """A written number followed by its unit: "7.0 pp", "12 days", "28.7%"."""
    if unit == "%":
        return _("%(value)s%%") % {"value": text}
    if not unit:
        return text
    return _("%(value)s %(unit)s") % {"value": text, "unit": unit}


def interval_text(low: float | None, high: float | None, unit: str, places: int) -> str:
    if low is None or high is None:
        return "–"
    return _("%(low)s to %(high)s") % {
        "low": signed(low, places),
        "high": with_unit(signed(high, places), unit),
    }


def level_text(value: float | None, unit: MetricUnit) -> str:
    """A variant's mean: a rate as a percentage, a mean in the metric's unit."""
    if value is None:
        return "–"
    if unit.kind == "proportion":
        return with_unit(plain_number(value * 100, 1), "%")
    return with_unit(
        plain_number(value, decimals(abs(value) / 10 if value else None, 0)), unit.label
    )


def effect_text(row: EffectRow, places: int, rel_places: int) -> str:
    """ "+7.0 pp (+28.7%)": the absolute effect in its unit, the relative one in per cent."""
    if row.estimate is None:
        return "–"
    absolute = with_unit(signed(row.estimate, places), row.unit)
    if row.relative is None:
        return absolute
    return _("%(absolute)s (%(relative)s)") % {
        "absolute": absolute,
        "relative": with_unit(signed(row.relative, rel_places), "%"),
    }


def effect_size_text(*, kind: str, label: str, absolute: float, relative: float | None) -> str:
    """An effect size with no interval (the power calculator's): "+4.2 pp (+16.0%)"."""
    unit = MetricUnit(kind, label)
    value = absolute * unit.scale
    places = decimals(abs(value) / 10 if value else None, 1 if unit.in_points else 0)
    text = with_unit(signed(value, places), unit.effect_unit)
    if relative is None:
        return text
    return _("%(absolute)s (%(relative)s)") % {
        "absolute": text,
        "relative": with_unit(signed(relative * 100, 1), "%"),
    }


def p_text(value: float | None) -> str:
    """A p-value to four decimals; below 0.0001 written "< 0.0001", never "0.0000"."""
    if value is None:
        return "–"
    if value < 0.0001:
        return _("< %(p)s") % {"p": plain_number(0.0001, 4)}
    return plain_number(value, 4)


# --- from the payload --------------------------------------------------------------------------


def metric_units(experiment: Experiment) -> dict[str, str]:
    """The unit of measure of each of the experiment's metrics, by key."""
    return {
        link.metric.key: link.metric.unit_label
        for link in experiment.metric_links.select_related("metric")
    }


def _scaled(value: Any, scale: float) -> float | None:
    return None if value is None else float(value) * scale


def _relative(entry: dict[str, Any], variant: str) -> dict[str, Any]:
    for r in (entry.get("analysis") or {}).get("results") or []:
        if r.get("variant") == variant:
            return r.get("relative_lift") or {}
    return {}


def _row(key: str, entry: dict[str, Any], v: dict[str, Any], unit: MetricUnit) -> EffectRow:
    rel = _relative(entry, v["variant"])
    pct = 100.0
    row = EffectRow(
        metric_key=key,
        metric=entry.get("name", key),
        role=entry["role"],
        variant=v["variant"],
        unit=unit.effect_unit,
        n_control=v["n_control"],
        n_treatment=v["n_treatment"],
        control=level_text(v.get("mean_control"), unit),
        treatment=level_text(v.get("mean_treatment"), unit),
        estimate=_scaled(v.get("estimate"), unit.scale),
        ci_low=_scaled(v.get("ci_low"), unit.scale),
        ci_high=_scaled(v.get("ci_high"), unit.scale),
        relative=_scaled(rel.get("estimate", v.get("relative_lift")), pct),
        relative_low=_scaled(rel.get("ci_low"), pct),
        relative_high=_scaled(rel.get("ci_high"), pct),
        p_value=v.get("p_value"),
        chance_to_beat_control=v.get("chance_to_beat_control"),
    )
    spread = _half_width(row.ci_low, row.ci_high)
    places = decimals(spread, 1 if unit.in_points else 0)
    rel_places = decimals(_half_width(row.relative_low, row.relative_high), 1)
    row.effect_text = effect_text(row, places, rel_places)
    if row.relative is not None:
        row.relative_text = with_unit(signed(row.relative, rel_places), "%")
    row.interval_text = interval_text(row.ci_low, row.ci_high, row.unit, places)
    row.relative_interval_text = interval_text(row.relative_low, row.relative_high, "%", rel_places)
    margin = entry.get("margin")
    if margin is not None:
        row.margin = with_unit(plain_number(margin * unit.scale, places), row.unit)
    return row


def _half_width(low: float | None, high: float | None) -> float | None:
    return None if low is None or high is None else (high - low) / 2


def _verdict(row: EffectRow, v: dict[str, Any], entry: dict[str, Any]) -> str | None:
    """A guardrail's verdict (see the module's docstring); None for other roles."""
    if row.role != "guardrail" or v.get("estimate") is None:
        return None
    higher_is_better = entry.get("higher_is_better", True)
    margin = entry.get("margin")
    harm = -v["estimate"] if higher_is_better else v["estimate"]
    if margin is not None:
        if harm > margin:
            return "breached"
        return "within" if v.get("non_inferior") else "not_shown"
    low, high = v.get("ci_low"), v.get("ci_high")
    if low is not None and high is not None:
        harmful_side = high < 0 if higher_is_better else low > 0
        if harmful_side:
            return "worse"
    return "no_margin"


def _disagreement(row: EffectRow, sequential: bool) -> str:
    """Why a high (or low) chance to beat control sits beside an interval that includes zero."""
    chance = row.chance_to_beat_control
    if chance is None or row.ci_low is None or row.ci_high is None:
        return ""
    if not row.ci_low <= 0 <= row.ci_high:
        return ""
    if DISAGREEMENT_CHANCE > chance > 1 - DISAGREEMENT_CHANCE:
        return ""
    values = {"chance": numbers.number(chance * 100, 0)}
    if sequential:
        return (
            _(
                "The chance to beat control (%(chance)s%%) describes this look only, with no "
                "prior belief; the interval is always-valid (it stays right however often you "
                "look while the experiment runs), so it is wider and still includes zero. Act "
                "on the interval: the effect is not yet shown at the planned significance level."
            )
            % values
        )
    return (
        _(
            "The chance to beat control (%(chance)s%%) is a Bayesian summary with no prior "
            "belief; the interval still includes zero, so the effect is not shown at the "
            "planned significance level."
        )
        % values
    )


def _adjust(rows: list[EffectRow]) -> int:
    """Holm and BH adjustment over every comparison with a p-value; returns the family size."""
    tested = [r for r in rows if r.p_value is not None]
    if tested:
        p = [float(r.p_value) for r in tested]  # type: ignore[arg-type]
        for r, h, b in zip(tested, holm_adjust(p), bh_adjust(p), strict=True):
            r.p_holm, r.p_bh = float(h), float(b)
    return len(tested)


def results_summary(*, experiment: Experiment, snapshot: ResultSnapshot | None) -> ResultsSummary:
    """The effects of a randomised experiment's snapshot in people's terms (module docstring)."""
    if snapshot is None or not snapshot.ok or snapshot.payload.get("design") != "randomised":
        return ResultsSummary()
    payload = snapshot.payload
    labels = metric_units(experiment)
    summary = ResultsSummary(
        alpha=float(payload.get("alpha", experiment.alpha)),
        sequential=bool(payload.get("sequential")),
    )
    for key, entry in _by_role(payload.get("metrics") or {}):
        if entry.get("error"):
            summary.rows.append(_error_row(key, entry))
            continue
        unit = MetricUnit(entry.get("metric_type", "mean"), labels.get(key, ""))
        for v in entry.get("variants") or []:
            row = _row(key, entry, v, unit)
            row.verdict = _verdict(row, v, entry)
            row.disagreement = _disagreement(row, summary.sequential)
            summary.rows.append(row)
    summary.family_size = _adjust(summary.rows)
    for row in summary.rows:
        _p_texts(row)
    verdicts = [r.verdict for r in summary.rows if r.verdict]
    if verdicts:
        summary.guardrail_verdict = min(verdicts, key=VERDICT_ORDER.index)
    return summary


ROLE_ORDER = ["primary", "secondary", "guardrail"]


def _by_role(metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Primary first, then secondary metrics, then guardrails: a JSON object keeps no order on
    PostgreSQL (jsonb sorts its keys), so the order is decided here."""
    return sorted(
        metrics.items(),
        key=lambda kv: (
            ROLE_ORDER.index(kv[1].get("role")) if kv[1].get("role") in ROLE_ORDER else 3,
            kv[1].get("name", kv[0]),
        ),
    )


def _error_row(key: str, entry: dict[str, Any]) -> EffectRow:
    return EffectRow(
        metric_key=key,
        metric=entry.get("name", key),
        role=entry["role"],
        variant="",
        unit="",
        n_control=0,
        n_treatment=0,
        control="–",
        treatment="–",
        estimate=None,
        ci_low=None,
        ci_high=None,
        relative=None,
        relative_low=None,
        relative_high=None,
        p_value=None,
        error=entry["error"],
    )
