"""The impact report: what `ImpactInputs` add up to. Pure given the inputs (no queries)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from civicloop.evidence.efficiency import Efficiency, efficiency_compute
from civicloop.evidence.inputs import EffectLine, ImpactInputs, ServiceLine


@dataclass(frozen=True)
class ServiceEfficiency:
    service: ServiceLine
    effect: EffectLine
    efficiency: Efficiency


@dataclass(frozen=True)
class EquityLine:
    outcome: str
    group: str
    group_effect: EffectLine
    everyone_effect: EffectLine | None
    gap: float | None  # group benefit − everyone benefit
    gap_se: float | None


@dataclass(frozen=True)
class ImpactReport:
    inputs: ImpactInputs
    primary: EffectLine | None
    efficiencies: list[ServiceEfficiency]
    quality: list[EffectLine]
    equity: list[EquityLine]

    @property
    def total_savings(self) -> tuple[float, float, float] | None:
        """Sum of services' annual savings with an interval (services assumed independent)."""
        if not self.efficiencies:
            return None
        est = sum(e.efficiency.savings.estimate for e in self.efficiencies)
        se = math.sqrt(sum(e.efficiency.savings.std_error**2 for e in self.efficiencies))
        return est, est - 1.959964 * se, est + 1.959964 * se

    @property
    def currency(self) -> str:
        return self.efficiencies[0].service.currency if self.efficiencies else ""

    def to_dict(self) -> dict[str, object]:
        p = self.primary
        return {
            "problem_id": self.inputs.problem_id,
            "title": self.inputs.title,
            "stage": self.inputs.stage,
            "sources": self.inputs.sources,
            "kpis": [
                {
                    "name": k.name,
                    "unit": k.unit,
                    "direction": k.direction,
                    "baseline": k.baseline,
                    "target": k.target,
                    "latest": k.latest,
                    "latest_date": k.latest_date.isoformat() if k.latest_date else None,
                    "progress": k.progress,
                    "target_met": k.target_met,
                }
                for k in self.inputs.kpis
            ],
            "primary_effect": _effect_dict(p) if p else None,
            "effects": [_effect_dict(e) for e in self.inputs.effects],
            "efficiency": [
                {
                    "service": e.service.name,
                    "currency": e.service.currency,
                    "annual_volume": e.service.annual_volume,
                    **e.efficiency.to_dict(),
                }
                for e in self.efficiencies
            ],
            "equity": [
                {
                    "outcome": q.outcome,
                    "group": q.group,
                    "group_effect": q.group_effect.estimate,
                    "everyone_effect": q.everyone_effect.estimate if q.everyone_effect else None,
                    "gap": q.gap,
                    "gap_se": q.gap_se,
                }
                for q in self.equity
            ],
            "scores": [sc.__dict__ for sc in self.inputs.scores],
            "themes": [
                {
                    "label": t.label,
                    "mentions": t.mentions,
                    "sentiment": t.sentiment,
                    "summary": t.summary,
                }
                for t in self.inputs.themes
            ],
        }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _effect_dict(e: EffectLine) -> dict[str, object]:
    return {
        "outcome": e.outcome,
        "unit": e.unit,
        "role": e.role,
        "group": e.group,
        "service": e.service_name,
        "estimate": e.estimate,
        "std_error": e.std_error,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "p_value": _finite(e.p_value),
        "design": e.design,
        "maryland_sms": e.maryland_sms,
        "nesta_level": e.nesta_level,
        "reasons": e.reasons,
        "reason_codes": [{"code": r.code, "params": dict(r.params)} for r in e.reason_codes],
        "source": e.source,
    }


def impact_report_build(inputs: ImpactInputs) -> ImpactReport:
    """Efficiency per service from the primary effect; quality and equity lines."""
    efficiencies = []
    for service in inputs.services:
        effect = inputs.primary_effect(service.name)
        if effect is None:
            continue
        efficiencies.append(
            ServiceEfficiency(
                service,
                effect,
                efficiency_compute(
                    annual_volume=service.annual_volume,
                    volume_std_error=service.volume_std_error,
                    cost_per_transaction_before=service.cost_per_transaction,
                    benefit_per_transaction=effect.benefit * service.outcome_scale,
                    benefit_std_error=effect.std_error * service.outcome_scale,
                    value_per_unit=service.value_per_outcome_unit,
                    one_off_cost=service.one_off_cost,
                    annual_running_cost=service.annual_running_cost,
                ),
            )
        )
    quality = [
        e
        for e in inputs.effects
        if e.role in ("satisfaction", "completion", "waiting_time") and not e.group
    ]
    everyone = {(e.outcome, e.role): e for e in inputs.effects if not e.group}
    equity = []
    for e in inputs.effects:
        if not e.group:
            continue
        base = everyone.get((e.outcome, e.role))
        gap = e.benefit - base.benefit if base else None
        # The group is part of everyone, so this SE ignores a positive covariance: conservative.
        gap_se = math.hypot(e.std_error, base.std_error) if base else None
        equity.append(EquityLine(e.outcome, e.group, e, base, gap, gap_se))
    return ImpactReport(inputs, inputs.primary_effect(), efficiencies, quality, equity)
