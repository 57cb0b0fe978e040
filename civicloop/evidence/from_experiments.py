"""What the experiments app holds for an impact report: services linked to the problem and
the effects in their experiments' latest successful results, read through its selectors."""

from __future__ import annotations

from typing import Any

from scipy import special

from civicloop.evidence.lines import ServiceLine
from civicloop.evidence.sources import SERVICE_RECORD_SOURCE, experiment_source
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Experiment
from civicloop.portfolio.models import Problem

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


def experiment_effect_rows(experiment: Experiment, service_name: str) -> list[dict[str, Any]]:
    """The effects in an experiment's latest successful results, as rows to be graded."""
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
    rows: list[dict[str, Any]] = []
    for entry in (payload.get("metrics") or {}).values():
        role = ROLE_FROM_METRIC.get(entry.get("role", ""))
        variants = [v for v in entry.get("variants") or [] if v.get("estimate") is not None]
        if role is None or not variants:
            continue
        v = variants[0]
        if v.get("ci_low") is None or v.get("ci_high") is None:
            continue
        rows.append(
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
    effect = payload.get("effect")
    if effect and effect.get("estimate") is not None and effect.get("std_error"):
        link = experiment.metric_links.filter(role="primary").select_related("metric").first()
        metric = link.metric if link is not None else None
        rows.append(
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
    return rows


def problem_experiment_rows(problem: Problem) -> tuple[list[dict[str, Any]], list[ServiceLine]]:
    """Services linked to the problem (of its own unit) and their experiments' latest results."""
    effects: list[dict[str, Any]] = []
    services: list[ServiceLine] = []
    for service in experiments_selectors.problem_services(problem=problem):
        services.append(
            ServiceLine(
                name=service.name,
                annual_volume=float(service.annual_volume),
                volume_std_error=0.0,
                cost_per_transaction=float(service.cost_per_transaction),
                # The service record has no money value of an outcome unit and no intervention
                # costs: they stay missing until an analyst enters them (never €1 and €0).
                value_per_outcome_unit=None,
                outcome_scale=1.0,
                one_off_cost=None,
                annual_running_cost=None,
                currency=service.currency,
                source=SERVICE_RECORD_SOURCE,
            )
        )
        for iteration in service.iterations.all():
            for experiment in iteration.experiments.all():
                effects += experiment_effect_rows(experiment, service.name)
    return effects, services
