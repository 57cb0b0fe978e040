"""Writes on experiments: design, start (lock the plan), change (deviations) and stop."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.analytics.engine import ExperimentConfig
from civicloop.analytics.models import Metric, MetricSource
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments import analysis
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    RANDOMISED,
    SITE_DESIGNS,
    Design,
    Experiment,
    ExperimentMetric,
    ExperimentStatus,
    Iteration,
    IterationStatus,
    MetricRole,
)
from civicloop.experiments.services._common import _plan_deviation_record, _problems_move, validated
from civicloop.portfolio.models import Stage

EXPERIMENT_FIELDS = [
    "title",
    "analysis_plan",
    "alpha",
    "planned_days",
    "intervention_date",
    "variants",
    "control_variant",
    "traffic_bp",
    "salt",
    "layer",
    "layer_start",
    "layer_end",
    "min_units_per_variant",
    "analysed_in_warehouse",
]


# Pre-registered: changing these after the start is a deviation and needs a reason.
LOCKED_FIELDS = [
    "analysis_plan",
    "alpha",
    "planned_days",
    "intervention_date",
    "variants",
    "control_variant",
    "design",
]


def _check_variants(design: str, variants: list[dict], control: str) -> list[dict]:
    if design not in RANDOMISED:
        return []
    clean: list[dict[str, Any]] = []
    for v in variants:
        key = str(v.get("key", "")).strip()
        weight = v.get("weight", 1)
        if not key or ":" in key or not isinstance(weight, int) or weight < 0:
            raise ValidationError(
                {
                    "variants": _(
                        "Each variant needs a key (no ':') and a non-negative whole weight."
                    )
                }
            )
        clean.append({"key": key, "weight": weight})
    keys = [v["key"] for v in clean]
    if len(clean) < 2 or len(set(keys)) != len(keys):
        raise ValidationError(
            {
                "variants": _(
                    "A randomised experiment needs at least two variants with different keys."
                )
            }
        )
    if control not in keys:
        raise ValidationError({"control_variant": _("The control must be one of the variants.")})
    if sum(v["weight"] for v in clean) <= 0:
        raise ValidationError({"variants": _("At least one variant needs a positive weight.")})
    return clean


def _check_metrics(
    design: str, unit_id: int, metrics: list[tuple[Metric, str, float | None]]
) -> None:
    if sum(1 for _, role, _ in metrics if role == MetricRole.PRIMARY) != 1:
        raise ValidationError({"metrics": _("Choose exactly one primary metric.")})
    if len({m.pk for m, _, _ in metrics}) != len(metrics):
        raise ValidationError({"metrics": _("Each metric can have only one role.")})
    wanted = MetricSource.EVENTS if design in RANDOMISED else MetricSource.SITES
    for metric, role, margin in metrics:
        if metric.unit_id != unit_id:
            raise ValidationError(
                {
                    "metrics": _("Metric %(key)s is not one of this unit's.")
                    % {"key": repr(metric.key)}
                }
            )
        if role not in MetricRole.values:
            raise ValidationError({"metrics": _("Unknown role %(role)s.") % {"role": repr(role)}})
        if metric.source != wanted:
            kind = (
                "an event metric (per person)"
                if wanted == MetricSource.EVENTS
                else "a site-level outcome metric"
            )
            raise ValidationError(
                {
                    "metrics": _(
                        "Metric %(key)s does not fit a %(label)s design: it needs %(kind)s."
                    )
                    % {"key": repr(metric.key), "label": Design(design).label, "kind": kind}
                }
            )
        if design not in RANDOMISED and role != MetricRole.PRIMARY:
            raise ValidationError(
                {
                    "metrics": _(
                        "Non-randomised designs analyse one site-level outcome: give it as the "
                        "primary metric only."
                    )
                }
            )
        if role == MetricRole.GUARDRAIL and not (margin is not None and margin > 0):
            raise ValidationError(
                {
                    "metrics": _("Guardrail %(key)s needs a positive non-inferiority margin.")
                    % {"key": repr(metric.key)}
                }
            )
        if role != MetricRole.GUARDRAIL and margin is not None:
            raise ValidationError({"metrics": _("Only guardrail metrics take a margin.")})


def _set_metrics(experiment: Experiment, metrics: list[tuple[Metric, str, float | None]]) -> None:
    experiment.metric_links.all().delete()
    ExperimentMetric.objects.bulk_create(
        [
            ExperimentMetric(
                experiment=experiment, metric=m, role=role, non_inferiority_margin=margin
            )
            for m, role, margin in metrics
        ]
    )


def _metrics_plan(experiment: Experiment) -> list[dict[str, Any]]:
    return [
        {"metric": link.metric.key, "role": link.role, "margin": link.non_inferiority_margin}
        for link in experiment.metric_links.select_related("metric").order_by("role", "pk")
    ]


@transaction.atomic
def experiment_create(
    *,
    actor: Principal,
    iteration: Iteration,
    key: str,
    title: str,
    design: str,
    analysis_plan: str,
    metrics: list[tuple[Metric, str, float | None]],
    variants: list[dict] | None = None,
    control_variant: str = "control",
    salt: str = "",
    traffic_bp: int = 10_000,
    layer: str = "",
    layer_start: int = 0,
    layer_end: int = 10_000,
    alpha: float = 0.05,
    planned_days: int = 28,
    intervention_date: date | None = None,
    min_units_per_variant: int = 100,
) -> Experiment:
    """Design an experiment of an iteration (not started: the plan can still change freely)."""
    unit_id = iteration.service.unit_id
    require(actor, Ability.MANAGE_EXPERIMENTS, unit_id)
    _check_design(design, analysis_plan, alpha, intervention_date)
    clean_variants = _check_variants(design, variants or [], control_variant)
    _check_metrics(design, unit_id, metrics)
    experiment = Experiment(
        iteration=iteration,
        unit_id=unit_id,
        key=key.strip(),
        title=title.strip(),
        design=design,
        variants=clean_variants,
        control_variant=control_variant if clean_variants else "",
        salt=salt,
        traffic_bp=traffic_bp,
        layer=layer,
        layer_start=layer_start,
        layer_end=layer_end,
        alpha=alpha,
        analysis_plan=analysis_plan.strip(),
        planned_days=planned_days,
        intervention_date=intervention_date,
        min_units_per_variant=min_units_per_variant,
    )
    # The (unit, key) constraint answers a key the unit already uses, naming `key`.
    validated(experiment)
    _check_assignment(experiment)
    experiment.save()
    _set_metrics(experiment, metrics)
    audit_record(
        actor=actor,
        action=ExperimentsEvent.EXPERIMENT_CREATED,
        obj=experiment,
        organization=unit_id,
        after=_design_snapshot(experiment),
    )
    return experiment


def _design_snapshot(experiment: Experiment) -> dict[str, Any]:
    """The audited design of a new experiment: its fields and its metrics."""
    return {**model_snapshot(experiment, EXPERIMENT_FIELDS), "metrics": _metrics_plan(experiment)}


def _check_design(
    design: str, analysis_plan: str, alpha: float, intervention_date: date | None
) -> None:
    if design not in Design.values:
        raise ValidationError(
            {"design": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Design.values)}}
        )
    if not analysis_plan.strip():
        raise ValidationError({"analysis_plan": _("Write how the experiment will be analysed.")})
    if not 0 < alpha < 0.5:
        raise ValidationError({"alpha": _("The significance level must be between 0 and 0.5.")})
    if design in SITE_DESIGNS - {Design.DID} and intervention_date is None:
        raise ValidationError(
            {
                "intervention_date": _(
                    "This design needs the date the change started (the first treated period)."
                )
            }
        )


def _check_assignment(experiment: Experiment) -> None:
    """The variants, traffic and layer make an assignment configuration the SDK accepts."""
    if not experiment.variants:
        return
    try:
        experiment_assignment_config(experiment)
    except ValueError as error:
        raise ValidationError({"variants": str(error)}) from error


def experiment_assignment_config(experiment: Experiment) -> ExperimentConfig:
    """The assignment configuration (what the SDK's `assign` takes) of an experiment."""
    return analysis.experiment_config(
        key=experiment.key,
        variants=experiment.variants,
        salt=experiment.salt,
        traffic_bp=experiment.traffic_bp,
        layer=experiment.layer,
        layer_start=experiment.layer_start,
        layer_end=experiment.layer_end,
    )


def experiment_plan(experiment: Experiment) -> dict[str, Any]:
    """The pre-registered plan: what `experiment_start` locks."""
    iteration = experiment.iteration
    return {
        "hypothesis": iteration.hypothesis,
        "design": experiment.design,
        "metrics": _metrics_plan(experiment),
        "analysis_plan": experiment.analysis_plan,
        "alpha": experiment.alpha,
        "planned_days": experiment.planned_days,
        "variants": experiment.variants,
        "control_variant": experiment.control_variant,
        "intervention_date": (
            experiment.intervention_date.isoformat() if experiment.intervention_date else None
        ),
    }


@transaction.atomic
def experiment_start(*, actor: Principal, experiment: Experiment) -> Experiment:
    """Start: lock and time-stamp the hypothesis, metrics and analysis plan."""
    unit_id = experiment.iteration.service.unit_id
    require(actor, Ability.MANAGE_EXPERIMENTS, unit_id)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != ExperimentStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft experiment can be started.")})
    if experiment.iteration.status == IterationStatus.DECIDED:
        raise ValidationError({"status": _("The iteration has been decided; plan a new one.")})
    now = timezone.now()
    experiment.locked_plan = experiment_plan(experiment)
    experiment.locked_at = now
    experiment.started_at = now
    experiment.status = ExperimentStatus.RUNNING
    experiment.save()
    iteration = experiment.iteration
    if iteration.status == IterationStatus.PLANNED:
        iteration.status = IterationStatus.RUNNING
        iteration.save(update_fields=["status", "updated_at"])
    _problems_move(
        actor,
        iteration.service,
        {Stage.EXPLORING: Stage.EXPERIMENTING},
        f"Experiment '{experiment.title}' started",
    )
    audit_record(
        actor=actor,
        action=ExperimentsEvent.EXPERIMENT_STARTED,
        obj=experiment,
        organization=unit_id,
        after={"locked_plan": experiment.locked_plan, "locked_at": now.isoformat()},
    )
    return experiment


@transaction.atomic
def experiment_update(
    *,
    actor: Principal,
    experiment: Experiment,
    reason: str = "",
    metrics: list[tuple[Metric, str, float | None]] | None = None,
    **changes: Any,
) -> Experiment:
    """Change an experiment; after the start, a change to the plan is recorded as a deviation."""
    unit_id = experiment.iteration.service.unit_id
    require(actor, Ability.MANAGE_EXPERIMENTS, unit_id)
    unknown = set(changes) - set(EXPERIMENT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    before = model_snapshot(experiment, EXPERIMENT_FIELDS)
    before_metrics = _metrics_plan(experiment)
    for name, value in changes.items():
        setattr(experiment, name, value.strip() if isinstance(value, str) else value)
    if "variants" in changes or "control_variant" in changes:
        experiment.variants = _check_variants(
            experiment.design, experiment.variants, experiment.control_variant
        )
    if metrics is not None:
        _check_metrics(experiment.design, unit_id, metrics)
    validated(experiment)
    after = model_snapshot(experiment, EXPERIMENT_FIELDS)
    changed = [f for f in EXPERIMENT_FIELDS if before[f] != after[f] and f in LOCKED_FIELDS]
    if metrics is not None:
        _set_metrics(experiment, metrics)
        if _metrics_plan(experiment) != before_metrics:
            changed.append("metrics")
    if experiment.locked_at is not None and changed:
        _deviations_record(
            actor=actor,
            experiment=experiment,
            changed=changed,
            before={**before, "metrics": before_metrics},
            after={**after, "metrics": _metrics_plan(experiment)},
            reason=reason,
        )
    experiment.save()
    audit_record(
        actor=actor,
        action=ExperimentsEvent.EXPERIMENT_UPDATED,
        obj=experiment,
        organization=unit_id,
        before=before,
        after=after,
    )
    return experiment


def _deviations_record(
    *,
    actor: Principal,
    experiment: Experiment,
    changed: list[str],
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
) -> None:
    """A change to a locked plan needs a reason; each changed part becomes a deviation."""
    if not reason.strip():
        raise ValidationError(
            {
                "reason": _(
                    "The plan was pre-registered on %(locked_at)s UTC: changing %(value)s needs a "
                    "reason (it will be shown as a deviation)."
                )
                % {
                    "locked_at": format(experiment.locked_at, "%Y-%m-%d %H:%M"),
                    "value": ", ".join(changed),
                }
            }
        )
    for name in changed:
        _plan_deviation_record(
            actor=actor,
            experiment=experiment,
            field=name,
            before=before[name],
            after=after[name],
            reason=reason.strip(),
        )


@transaction.atomic
def experiment_stop(*, actor: Principal, experiment: Experiment) -> Experiment:
    """Stop collecting: assignment answers no variant and results become fixed-horizon."""
    unit_id = experiment.iteration.service.unit_id
    require(actor, Ability.MANAGE_EXPERIMENTS, unit_id)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != ExperimentStatus.RUNNING:
        raise ValidationError({"status": _("Only a running experiment can be stopped.")})
    experiment.status = ExperimentStatus.STOPPED
    experiment.stopped_at = timezone.now()
    experiment.save(update_fields=["status", "stopped_at", "updated_at"])
    audit_record(
        actor=actor,
        action=ExperimentsEvent.EXPERIMENT_STOPPED,
        obj=experiment,
        organization=unit_id,
    )
    return experiment
