"""What an impact report needs, gathered from whichever app holds it.

`impact_inputs_gather` asks, in order: the portfolio (KPIs against baseline and target), the
experiments app (services, effects) and the feedback app (themes, CX scores) through their
selectors, imported plainly (ADR 0011: no optional-app adapters, so a broken link fails loudly
in the tests instead of silently dropping or mixing data), and finally the figures an analyst
entered by hand in this app (`EffectEstimate`, `ServiceFigures`, `CitizenTheme`). Each line
names where it came from, so a reader can tell a computed effect from a typed-in one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from scipy import special

from civicloop.core.permissions import Principal
from civicloop.evidence.models import CitizenTheme, EffectEstimate, ServiceFigures
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Experiment
from civicloop.feedback import selectors as feedback_selectors
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem
from civicloop.stats import normal_estimate
from civicloop.stats.evidence import Reason, grade_evidence

# Where an adapter's figures come from, as stable English: the report JSON returns it and a
# measured replication stores it (`scaling.Replication.measured_source`). Pages word it in the
# reader's language (`labels.source_text`), reading the code and parameters back with
# `source_code`; a source typed in by hand is content and is shown as typed.
SERVICE_RECORD_SOURCE = "experiments: service record"
_SOURCE_PATTERNS = (
    (
        "experiment_results",
        re.compile(r"experiment (?P<key>[-\w]+), results of (?P<date>\d{4}-\d{2}-\d{2})"),
    ),
    ("feedback_survey", re.compile(r"feedback survey (?P<slug>[-\w]+)")),
    ("service_record", re.compile(re.escape(SERVICE_RECORD_SOURCE))),
)


def experiment_source(key: str, computed_at: date) -> str:
    return f"experiment {key}, results of {computed_at:%Y-%m-%d}"


def survey_source(slug: str) -> str:
    return f"feedback survey {slug}"


def source_code(source: str) -> tuple[str, dict[str, str]] | None:
    """The code and parameters of a source an adapter wrote; None for anything else."""
    for code, pattern in _SOURCE_PATTERNS:
        match = pattern.fullmatch(source)
        if match:
            return code, match.groupdict()
    return None


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
class ServiceLine:
    name: str
    annual_volume: float
    volume_std_error: float
    cost_per_transaction: float
    value_per_outcome_unit: float
    outcome_scale: float
    one_off_cost: float
    annual_running_cost: float
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


def _manual(problem: Problem) -> tuple[list[EffectLine], list[ServiceLine], list[ThemeLine]]:
    effects = [effect_line_from_estimate(r) for r in EffectEstimate.objects.filter(problem=problem)]
    services = [
        ServiceLine(
            name=s.service_name,
            annual_volume=float(s.annual_volume),
            volume_std_error=s.volume_std_error,
            cost_per_transaction=float(s.cost_per_transaction),
            value_per_outcome_unit=float(s.value_per_outcome_unit),
            outcome_scale=s.outcome_scale,
            one_off_cost=float(s.one_off_cost),
            annual_running_cost=float(s.annual_running_cost),
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


# Experiments' designs in the stats engine's vocabulary.
EXPERIMENT_DESIGNS = {
    "ab": "rct",
    "rollout": "rct",
    "did": "did",
    "staggered": "staggered_did",
    "its": "its",
    "synth": "synthetic_control",
}
ROLE_FROM_METRIC = {"primary": "primary", "secondary": "other"}


def _experiment_effects(experiment: Experiment, service_name: str) -> list[EffectLine]:
    snapshot = experiments_selectors.snapshot_latest(experiment=experiment)
    if snapshot is None or not snapshot.ok:
        return []
    payload = snapshot.payload or {}
    design = EXPERIMENT_DESIGNS.get(experiment.design, "before_after")
    srm = payload.get("srm") or {}
    common = {
        "design": design,
        "service_name": service_name,
        "srm_p_value": srm.get("p_value"),
        "pretrend_p_value": payload.get("pretrend_p_value"),
        "source": experiment_source(experiment.key, snapshot.computed_at),
    }
    z = float(special.ndtri(1 - (experiment.alpha or 0.05) / 2))
    lines = []
    for entry in (payload.get("metrics") or {}).values():
        role = ROLE_FROM_METRIC.get(entry.get("role", ""))
        variants = [v for v in entry.get("variants") or [] if v.get("estimate") is not None]
        if role is None or not variants:
            continue
        v = variants[0]
        if v.get("ci_low") is None or v.get("ci_high") is None:
            continue
        lines.append(
            _effect_from_mapping(
                {
                    **common,
                    "outcome": entry.get("name", ""),
                    "role": role,
                    "unit": "",
                    "estimate": v["estimate"],
                    "std_error": (v["ci_high"] - v["ci_low"]) / (2 * z),
                    "lower_is_better": not entry.get("higher_is_better", True),
                    "sample_size": (v.get("n_control") or 0) + (v.get("n_treatment") or 0) or None,
                }
            )
        )
    effect = payload.get("effect")
    if effect and effect.get("estimate") is not None and effect.get("std_error"):
        link = experiment.metric_links.filter(role="primary").select_related("metric").first()
        metric = link.metric if link is not None else None
        lines.append(
            _effect_from_mapping(
                {
                    **common,
                    "outcome": metric.name if metric else experiment.title,
                    "role": "primary",
                    "unit": metric.unit_label if metric else "",
                    "estimate": effect["estimate"],
                    "std_error": effect["std_error"],
                    "lower_is_better": not (metric.higher_is_better if metric else True),
                }
            )
        )
    return lines


def experiment_measured_effect(experiment: Experiment) -> EffectLine | None:
    """The primary effect, with its interval, of an experiment's latest successful results.

    Read through `civicloop.experiments.selectors.snapshot_latest`, the way the report reads
    it: None when the latest refresh failed or it has no primary effect with an interval.
    """
    lines = _experiment_effects(experiment, "")
    primary = [e for e in lines if e.role == "primary" and not e.group]
    return primary[0] if primary else None


def _experiments_lines(problem: Problem) -> tuple[list[EffectLine], list[ServiceLine]]:
    """Services linked to the problem (of its own unit) and their experiments' latest results."""
    effects: list[EffectLine] = []
    services: list[ServiceLine] = []
    for service in experiments_selectors.problem_services(problem=problem):
        services.append(
            ServiceLine(
                name=service.name,
                annual_volume=float(service.annual_volume),
                volume_std_error=0.0,
                cost_per_transaction=float(service.cost_per_transaction),
                value_per_outcome_unit=1.0,
                outcome_scale=1.0,
                one_off_cost=0.0,
                annual_running_cost=0.0,
                currency=service.currency,
                source=SERVICE_RECORD_SOURCE,
            )
        )
        for iteration in service.iterations.all():
            for experiment in iteration.experiments.all():
                effects += _experiment_effects(experiment, service.name)
    return effects, services


def _feedback_themes(problem: Problem, viewer: Principal | None) -> list[ThemeLine]:
    """Themes of the surveys linked to the problem (already redacted, human-reviewed)."""
    themes = []
    for survey in feedback_selectors.problem_surveys(viewer=viewer, problem=problem):
        for theme in feedback_selectors.survey_themes(survey=survey):
            quotes = list(theme.quotes or [])
            themes.append(
                ThemeLine(
                    label=theme.label,
                    mentions=int(theme.size),
                    sentiment=None,
                    summary=f"“{quotes[0]}”" if quotes else "",
                    source=survey_source(survey.slug),
                )
            )
    themes.sort(key=lambda t: -t.mentions)
    return themes


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


def _feedback_scores(problem: Problem, viewer: Principal | None) -> list[ScoreLine]:
    """Overall CX scores (GOV.UK satisfaction, CSAT, NPS, …) of the problem's surveys."""
    lines = []
    for survey in feedback_selectors.problem_surveys(viewer=viewer, problem=problem):
        for groups in feedback_selectors.survey_scores(survey=survey).values():
            for score in groups:
                lines.append(
                    ScoreLine(
                        str(score.label),
                        str(score.kind),
                        score.value,
                        score.ci_low,
                        score.ci_high,
                        int(score.n),
                        survey_source(survey.slug),
                    )
                )
    return lines


def impact_inputs_gather(*, problem: Problem, viewer: Principal | None = None) -> ImpactInputs:
    """Everything a report on `problem` needs; the caller has already checked access.

    With `viewer`, feedback counts only from surveys they may read; without one (a report share
    link, which carries its own right) only the problem's own surveys in its own unit.
    """
    sources = ["portfolio"]
    effects, services = _experiments_lines(problem)
    if effects or services:
        sources.append("experiments")
    themes = _feedback_themes(problem, viewer)
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
    scores = _feedback_scores(problem, viewer)
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
