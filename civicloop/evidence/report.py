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
        """Sum of services' annual savings with an interval (services assumed independent).

        None unless every service has savings (a total that leaves out a service whose value of
        an outcome unit is missing would read as the whole) and all are in one currency.
        """
        savings = [e.efficiency.savings for e in self.efficiencies]
        if not savings or any(s is None for s in savings) or len(self.currencies) != 1:
            return None
        known = [s for s in savings if s is not None]
        est = sum(s.estimate for s in known)
        se = math.sqrt(sum(s.std_error**2 for s in known))
        return est, est - 1.959964 * se, est + 1.959964 * se

    @property
    def currencies(self) -> list[str]:
        return sorted({e.service.currency for e in self.efficiencies})

    @property
    def currency(self) -> str:
        """The one currency of every service's amounts; empty when they differ."""
        return self.currencies[0] if len(self.currencies) == 1 else ""

    @property
    def missing_inputs(self) -> list[tuple[str, str]]:
        """(service, input) for every input whose absence hides a figure, in the report's order."""
        return [
            (e.service.name, name)
            for e in self.efficiencies
            for name in e.efficiency.missing_inputs
        ]

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
            "efficiency": [_efficiency_dict(e) for e in self.efficiencies],
            "missing_inputs": [
                {"service": service, "field": name} for service, name in self.missing_inputs
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


def _efficiency_dict(e: ServiceEfficiency) -> dict[str, object]:
    data: dict[str, object] = {
        "service": e.service.name,
        "currency": e.service.currency,
        "annual_volume": e.service.annual_volume,
        "value_per_outcome_unit": e.service.value_per_outcome_unit,
        **e.efficiency.to_dict(),
    }
    # Every money interval names its currency, so no amount travels without its unit.
    for key in ("annual_savings", "net_annual_savings", "cost_per_transaction_after"):
        value = data[key]
        if isinstance(value, dict):
            data[key] = {**value, "currency": e.service.currency}
    return data


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
