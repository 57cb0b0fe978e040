"""What an impact report needs, gathered from whichever app holds it.

`impact_inputs_gather` asks, in order: the portfolio (KPIs against baseline and target), the
experiments app (services, effects) and the feedback app (themes, CX scores) through their
selectors, imported plainly (ADR 0011: no optional-app adapters, so a broken link fails loudly
in the tests instead of silently dropping or mixing data), and finally the figures an analyst
entered by hand in this app (`EffectEstimate`, `ServiceFigures`, `CitizenTheme`). Each line
names where it came from, so a reader can tell a computed effect from a typed-in one.

The adapters live beside it: `from_experiments`, `from_feedback`; the plain lines in `lines`
and the source strings in `sources` (re-exported here). Effects are graded here, when read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from civicloop.core.permissions import Principal
from civicloop.evidence.from_experiments import experiment_effect_rows, problem_experiment_rows
from civicloop.evidence.from_feedback import feedback_lines
from civicloop.evidence.lines import KpiLine, ScoreLine, ServiceLine, ThemeLine
from civicloop.evidence.models import CitizenTheme, EffectEstimate, ServiceFigures
from civicloop.evidence.sources import (
    SERVICE_RECORD_SOURCE,
    experiment_source,
    source_code,
    survey_source,
)
from civicloop.experiments.models import Experiment
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem
from civicloop.stats import normal_estimate
from civicloop.stats.evidence import Reason, grade_evidence

__all__ = [
    "SERVICE_RECORD_SOURCE",
    "EffectLine",
    "ImpactInputs",
    "KpiLine",
    "ScoreLine",
    "ServiceLine",
    "ThemeLine",
    "effect_line_from_estimate",
    "experiment_measured_effect",
    "experiment_source",
    "impact_inputs_gather",
    "source_code",
    "survey_source",
]


@dataclass(frozen=True)
class EffectLine:
    outcome: str
    unit: str
    role: str
    group: str  # "" = everyone
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    design: str
    maryland_sms: int | None
    nesta_level: int | None
    reasons: list[str]
    lower_is_better: bool
    service_name: str
    source: str
    sample_size: int | None = None
    # Parallel to `reasons`: stable codes that pages word in the reader's language.
    reason_codes: tuple[Reason, ...] = ()

    @property
    def benefit(self) -> float:
        """The effect signed so that a positive number is an improvement."""
        return -self.estimate if self.lower_is_better else self.estimate


@dataclass(frozen=True)
class ImpactInputs:
    problem_id: int
    title: str
    statement: str
    stage: str
    target_groups: list[str]
    kpis: list[KpiLine]
    effects: list[EffectLine]
    services: list[ServiceLine]
    themes: list[ThemeLine]
    sources: list[str]  # which adapters contributed
    scores: list[ScoreLine] = field(default_factory=list)  # CX levels from feedback surveys

    def primary_effect(self, service: str | None = None) -> EffectLine | None:
        """The best-graded primary effect for everyone (optionally for one service)."""
        candidates = [
            e
            for e in self.effects
            if e.role == "primary"
            and not e.group
            and (service is None or e.service_name in ("", service))
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda e: (e.maryland_sms or 0, -e.std_error))

    def effects_for(self, role: str) -> list[EffectLine]:
        return [e for e in self.effects if e.role == role]

    def for_service(self, name: str) -> ImpactInputs:
        return replace(
            self,
            services=[s for s in self.services if s.name == name],
            effects=[e for e in self.effects if e.service_name in ("", name)],
        )


def _kpis(problem: Problem) -> list[KpiLine]:
    lines = []
    for kpi in problem.kpis.prefetch_related("measurements").order_by("name"):
        status = portfolio_selectors.kpi_status(kpi)
        lines.append(
            KpiLine(
                name=kpi.name,
                category=kpi.category,
                unit=kpi.unit,
                direction=kpi.direction,
                baseline=float(kpi.baseline_value),
                baseline_date=kpi.baseline_date,
                target=float(kpi.target_value),
                target_date=kpi.target_date,
                latest=float(status.latest_value) if status.latest_value is not None else None,
                latest_date=status.latest_date,
                progress=status.progress,
                target_met=status.target_met,
                off_track=status.off_track,
                points=[(m.date, float(m.value)) for m in kpi.measurements.all()],
            )
        )
    return lines


def effect_line_from_estimate(row: EffectEstimate) -> EffectLine:
    """Grade a hand-recorded estimate with the stats engine and put a 95% interval on it."""
    est = normal_estimate(row.estimate, row.std_error, alpha=0.05) if row.std_error > 0 else None
    grade = grade_evidence(
        design=row.design,
        srm_p_value=row.srm_p_value,
        balance_smd=row.balance_smd,
        attrition=row.attrition,
        pretrend_p_value=row.pretrend_p_value,
        comparison_group_justified=row.comparison_group_justified,
        independent_replications=row.independent_replications,
        replication_system=row.replication_system,
    )
    return EffectLine(
        outcome=row.outcome,
        unit=row.unit,
        role=row.role,
        group=row.group,
        estimate=row.estimate,
        std_error=row.std_error,
        ci_low=est.ci_low if est else row.estimate,
        ci_high=est.ci_high if est else row.estimate,
        p_value=est.p_value if est else float("nan"),
        design=row.design,
        maryland_sms=grade.maryland_sms,
        nesta_level=grade.nesta_level,
        reasons=list(grade.reasons),
        lower_is_better=row.lower_is_better,
        service_name=row.service_name,
        source=row.source,
        sample_size=row.sample_size,
        reason_codes=tuple(grade.reason_codes),
    )


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _manual(problem: Problem) -> tuple[list[EffectLine], list[ServiceLine], list[ThemeLine]]:
    effects = [effect_line_from_estimate(r) for r in EffectEstimate.objects.filter(problem=problem)]
    services = [
        ServiceLine(
            name=s.service_name,
            annual_volume=float(s.annual_volume),
            volume_std_error=s.volume_std_error,
            cost_per_transaction=float(s.cost_per_transaction),
            value_per_outcome_unit=_money(s.value_per_outcome_unit),
            outcome_scale=s.outcome_scale,
            one_off_cost=_money(s.one_off_cost),
            annual_running_cost=_money(s.annual_running_cost),
            currency=s.currency,
            source=s.source,
        )
        for s in ServiceFigures.objects.filter(problem=problem)
    ]
    themes = [
        ThemeLine(t.label, t.mentions, t.sentiment, t.summary, t.source)
        for t in CitizenTheme.objects.filter(problem=problem)
    ]
    return effects, services, themes


def experiment_measured_effect(experiment: Experiment) -> EffectLine | None:
    """The primary effect, with its interval, of an experiment's latest successful results.

    Read through `civicloop.experiments.selectors.snapshot_latest`, the way the report reads
    it: None when the latest refresh failed or it has no primary effect with an interval.
    """
    lines = [_effect_from_mapping(row) for row in experiment_effect_rows(experiment, "")]
    primary = [e for e in lines if e.role == "primary" and not e.group]
    return primary[0] if primary else None


def _as_mapping(item: Any) -> dict[str, Any]:
    return item if isinstance(item, dict) else getattr(item, "__dict__", {})


def _effect_from_mapping(item: Any) -> EffectLine:
    m = _as_mapping(item)
    row = EffectEstimate(
        outcome=str(m.get("outcome", "")),
        unit=str(m.get("unit", "")),
        role=str(m.get("role", "primary")),
        group=str(m.get("group", "")),
        estimate=float(m["estimate"]),
        std_error=float(m["std_error"]),
        design=str(m.get("design", "rct")),
        srm_p_value=m.get("srm_p_value"),
        balance_smd=m.get("balance_smd"),
        attrition=m.get("attrition"),
        pretrend_p_value=m.get("pretrend_p_value"),
        lower_is_better=bool(m.get("lower_is_better", False)),
        service_name=str(m.get("service_name", "")),
        source=str(m.get("source", "experiments")),
        sample_size=m.get("sample_size"),
    )
    return effect_line_from_estimate(row)


def impact_inputs_gather(*, problem: Problem, viewer: Principal | None = None) -> ImpactInputs:
    """Everything a report on `problem` needs; the caller has already checked access.

    With `viewer`, feedback counts only from surveys they may read; without one (a report share
    link, which carries its own right) only the problem's own surveys in its own unit.
    """
    sources = ["portfolio"]
    effect_rows, services = problem_experiment_rows(problem)
    effects = [_effect_from_mapping(row) for row in effect_rows]
    if effects or services:
        sources.append("experiments")
    themes, scores = feedback_lines(problem, viewer)
    if themes:
        sources.append("feedback")
    manual_effects, manual_services, manual_themes = _manual(problem)
    if manual_effects or manual_services or manual_themes:
        sources.append("entered by hand")
    # A figure entered by hand fills a gap; it never overrides one the apps computed.
    # Volume and unit cost from the experiments app win; the analyst's figures add what it
    # lacks (value of an outcome unit, intervention costs).
    by_name = {s.name: i for i, s in enumerate(services)}
    for manual in manual_services:
        if manual.name in by_name:
            i = by_name[manual.name]
            services[i] = replace(
                manual,
                annual_volume=services[i].annual_volume,
                cost_per_transaction=services[i].cost_per_transaction,
                currency=services[i].currency,
                source=f"{services[i].source}; {manual.source}",
            )
        else:
            services.append(manual)
    effects += manual_effects
    themes += manual_themes if not themes else []
    if scores and "feedback" not in sources:
        sources.append("feedback")
    return ImpactInputs(
        problem_id=problem.pk,
        title=problem.title,
        statement=problem.statement,
        stage=problem.stage,
        target_groups=[t.name for t in problem.target_groups.all()],
        kpis=_kpis(problem),
        effects=effects,
        services=services,
        themes=themes,
        sources=sources,
        scores=scores,
    )
