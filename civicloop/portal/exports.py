"""The rows of the portal's own open datasets (JSON and CSV), read from public selectors only."""

from __future__ import annotations

from typing import Any

from civicloop.market.models import Challenge
from civicloop.portal import selectors
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors as scaling_selectors

PROBLEM_COLUMNS = [
    "problem_id", "title", "statement", "stage", "target_groups", "published_at", "kpi",
    "kpi_unit", "direction", "baseline_value", "baseline_date", "target_value", "target_date",
    "latest_value", "latest_date",
]  # fmt: skip
SANDBOX_COLUMNS = [
    "slug", "title", "public_summary", "regulator", "rule_waived", "relaxation", "safeguards",
    "participants", "starts_on", "ends_on", "status", "unit",
]  # fmt: skip
RESULT_COLUMNS = [
    "summary_id", "title", "service", "said", "feedback_responses", "tried", "changed",
    "decision", "effect_label", "effect_estimate", "effect_ci_low", "effect_ci_high",
    "confidence", "effect_unit", "published_at", "unit",
]  # fmt: skip


def problem_rows() -> list[dict[str, Any]]:
    """One row per KPI of each published problem (a problem without KPIs: one row)."""
    rows = []
    for problem in portfolio_selectors.problem_list_public():
        head = {
            "problem_id": problem.pk,
            "title": problem.title,
            "statement": problem.statement,
            "stage": problem.stage,
            "target_groups": "; ".join(g.name for g in problem.target_groups.all()),
            "published_at": problem.published_at,
        }
        kpis = list(problem.kpis.all())
        if not kpis:
            rows.append({**head, **dict.fromkeys(PROBLEM_COLUMNS[6:])})
        for kpi in kpis:
            status = portfolio_selectors.kpi_status(kpi)
            rows.append(
                {
                    **head,
                    "kpi": kpi.name,
                    "kpi_unit": kpi.unit,
                    "direction": kpi.direction,
                    "baseline_value": kpi.baseline_value,
                    "baseline_date": kpi.baseline_date,
                    "target_value": kpi.target_value,
                    "target_date": kpi.target_date,
                    "latest_value": status.latest_value,
                    "latest_date": status.latest_date,
                }
            )
    return rows


def sandbox_rows() -> list[dict[str, Any]]:
    return [
        {
            "slug": s.slug,
            "title": s.title,
            "public_summary": s.public_summary,
            "regulator": s.regulator,
            "rule_waived": s.rule_waived,
            "relaxation": s.relaxation,
            "safeguards": s.safeguards,
            "participants": s.participants,
            "starts_on": s.starts_on,
            "ends_on": s.extended_until or s.ends_on,
            "status": s.status,
            "unit": s.unit.name,
        }
        for s in scaling_selectors.sandbox_public_list()
    ]


def result_rows() -> list[dict[str, Any]]:
    return [
        {
            "summary_id": s.pk,
            "title": s.title,
            "service": s.service_name,
            "said": s.said,
            "feedback_responses": s.feedback_responses,
            "tried": s.tried,
            "changed": s.changed,
            "decision": s.decision_kind,
            "effect_label": s.effect_label,
            "effect_estimate": s.effect_estimate,
            "effect_ci_low": s.effect_ci_low,
            "effect_ci_high": s.effect_ci_high,
            "confidence": s.confidence,
            "effect_unit": s.effect_unit,
            "published_at": s.published_at,
            "unit": s.unit.name,
        }
        for s in selectors.summary_list_public()
    ]


DATASETS = {
    "problems": (PROBLEM_COLUMNS, problem_rows),
    "sandboxes": (SANDBOX_COLUMNS, sandbox_rows),
    "results": (RESULT_COLUMNS, result_rows),
}


def challenge_budget(challenge: Challenge) -> Any:
    """The total budget of a challenge's phases (phases prefetched by the caller)."""
    return sum((phase.budget for phase in challenge.phases.all()), start=0)
