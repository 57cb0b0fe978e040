"""Every write of the experiments app: one atomic function per use case, each audited."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.analytics.models import Metric, MetricSource
from civicloop.analytics.services import metric_definition_check
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, can
from civicloop.experiments import analysis, selectors
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    RANDOMISED,
    SITE_DESIGNS,
    Channel,
    Decision,
    DecisionKind,
    Design,
    Experiment,
    ExperimentMetric,
    ExperimentStatus,
    Iteration,
    IterationStatus,
    MetricRole,
    PlanDeviation,
    ResultSnapshot,
    Service,
    SiteObservation,
    StopReason,
)
from civicloop.portfolio.models import Kpi, Problem, Stage
from civicloop.stats import StatsInputError, power_means, power_proportions
from civicloop.web import observability

SERVICE_FIELDS = [
    "name",
    "description",
    "channels",
    "annual_volume",
    "cost_per_transaction",
    "currency",
    "owner_agency",
]
ITERATION_FIELDS = [
    "title",
    "what_changes",
    "hypothesis_change",
    "hypothesis_metric",
    "hypothesis_group",
    "hypothesis_effect",
    "hypothesis_because",
    "starts_on",
    "ends_on",
    "evaluation_plan",
]
HYPOTHESIS_FIELDS = [
    "hypothesis_change",
    "hypothesis_metric",
    "hypothesis_group",
    "hypothesis_effect",
    "hypothesis_because",
]
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
# A decision moves the problem from "experimenting" to the stage it implies.
DECISION_STAGE = {DecisionKind.SCALE: Stage.SCALING, DecisionKind.PIVOT: Stage.EXPLORING}


def _require(actor: Principal, ability: Ability, *, unit_id: int) -> None:
    if not can(actor, ability, unit_id=unit_id):
        raise Http404("Not found")


def _validated(instance: Any) -> None:
    instance.full_clean(validate_unique=True, validate_constraints=True)


# -- services ------------------------------------------------------------------------------


def _money(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"cost_per_transaction": "Write the cost as a number, e.g. 12.50."}
        ) from None
    if value < 0:
        raise ValidationError({"cost_per_transaction": "The cost cannot be negative."})
    return value.quantize(Decimal("0.01"))


def _check_service_links(
    service: Service, problems: list[Problem], kpis: list[Kpi], shared_with: list[Organization]
) -> None:
    if any(p.unit_id != service.unit_id for p in problems):
        raise ValidationError({"problems": "Problems must be in the same unit's portfolio."})
    if any(k.problem.unit_id != service.unit_id for k in kpis):
        raise ValidationError({"kpis": "KPIs must belong to problems of the same unit."})
    if any(o.kind != OrganizationKind.COMPANY for o in shared_with):
        raise ValidationError({"shared_with": "Services are shared with vendors (companies)."})


@transaction.atomic
def service_create(
    *,
    actor: Principal,
    unit: Organization,
    owner_agency: Organization,
    name: str,
    annual_volume: int,
    cost_per_transaction: Decimal | str | float,
    currency: str = "EUR",
    channels: list[str] | None = None,
    description: str = "",
    problems: list[Problem] | None = None,
    kpis: list[Kpi] | None = None,
    shared_with: list[Organization] | None = None,
) -> Service:
    """Register a public service the unit is improving."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit.pk)
    if owner_agency.kind != OrganizationKind.AGENCY or owner_agency.unit_id != unit.pk:
        raise ValidationError(
            {"owner_agency": "The owning agency must be an agency this unit works with."}
        )
    channels = list(dict.fromkeys(channels or []))
    bad = [c for c in channels if c not in Channel.values]
    if bad:
        raise ValidationError(
            {"channels": f"Unknown channel {bad[0]!r}; choose from {', '.join(Channel.values)}."}
        )
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"currency": "Use a three-letter ISO 4217 code such as EUR."})
    service = Service(
        unit=unit,
        owner_agency=owner_agency,
        name=name.strip(),
        description=description.strip(),
        channels=channels,
        annual_volume=annual_volume,
        cost_per_transaction=_money(cost_per_transaction),
        currency=currency,
    )
    _validated(service)
    service.save()
    _check_service_links(service, problems or [], kpis or [], shared_with or [])
    service.problems.set(problems or [])
    service.kpis.set(kpis or [])
    service.shared_with.set(shared_with or [])
    audit_record(
        actor=actor,
        action=ExperimentsEvent.SERVICE_CREATED,
        obj=service,
        organization=unit,
        after=model_snapshot(service, SERVICE_FIELDS),
    )
    return service


@transaction.atomic
def service_share(
    *, actor: Principal, service: Service, organizations: list[Organization]
) -> Service:
    """Set the vendors who may see the service, its iterations and results."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=service.unit_id)
    _check_service_links(service, [], [], organizations)
    before = sorted(service.shared_with.values_list("pk", flat=True))
    service.shared_with.set(organizations)
    audit_record(
        actor=actor,
        action=ExperimentsEvent.SERVICE_SHARED,
        obj=service,
        organization=service.unit_id,
        before={"shared_with": before},
        after={"shared_with": sorted(o.pk for o in organizations)},
    )
    return service


# -- iterations ----------------------------------------------------------------------------


def _check_hypothesis(iteration: Iteration) -> None:
    missing = [f for f in HYPOTHESIS_FIELDS if not str(getattr(iteration, f)).strip()]
    if missing:
        raise ValidationError(
            {
                missing[0]: "Write the hypothesis as 'If we …, then <metric> for "
                "<group> improves by …, because …': every part is "
                "needed."
            }
        )


@transaction.atomic
def iteration_create(
    *,
    actor: Principal,
    service: Service,
    title: str,
    what_changes: str,
    hypothesis_change: str,
    hypothesis_metric: str,
    hypothesis_group: str,
    hypothesis_effect: str,
    hypothesis_because: str,
    starts_on: date,
    ends_on: date,
    evaluation_plan: str,
) -> Iteration:
    """Plan the next iteration of a service, with its hypothesis and evaluation plan."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=service.unit_id)
    last = service.iterations.order_by("-number").first()
    iteration = Iteration(
        service=service,
        number=(last.number + 1) if last else 1,
        title=title.strip(),
        what_changes=what_changes.strip(),
        hypothesis_change=hypothesis_change.strip(),
        hypothesis_metric=hypothesis_metric.strip(),
        hypothesis_group=hypothesis_group.strip(),
        hypothesis_effect=hypothesis_effect.strip(),
        hypothesis_because=hypothesis_because.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        evaluation_plan=evaluation_plan.strip(),
    )
    _check_hypothesis(iteration)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The iteration must end on or after its start."})
    _validated(iteration)
    iteration.save()
    audit_record(
        actor=actor,
        action=ExperimentsEvent.ITERATION_CREATED,
        obj=iteration,
        organization=service.unit_id,
        after=model_snapshot(iteration, ITERATION_FIELDS),
    )
    return iteration


def _record_deviation(
    *, actor: Principal, experiment: Experiment, field: str, before: Any, after: Any, reason: str
) -> PlanDeviation:
    deviation = PlanDeviation.objects.create(
        experiment=experiment,
        field=field,
        before=before,
        after=after,
        reason=reason,
        recorded_at=timezone.now(),
        recorded_by=actor.person,
        recorded_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=ExperimentsEvent.PLAN_DEVIATION,
        obj=experiment,
        organization=experiment.iteration.service.unit_id,
        before={field: before},
        after={field: after},
        metadata={"reason": reason},
    )
    return deviation


@transaction.atomic
def iteration_update(
    *, actor: Principal, iteration: Iteration, reason: str = "", **changes: Any
) -> Iteration:
    """Edit an iteration; a hypothesis change after an experiment started is a deviation."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=iteration.service.unit_id)
    unknown = set(changes) - set(ITERATION_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    iteration = Iteration.objects.select_for_update().get(pk=iteration.pk)
    before = model_snapshot(iteration, ITERATION_FIELDS)
    for name, value in changes.items():
        setattr(iteration, name, value.strip() if isinstance(value, str) else value)
    _check_hypothesis(iteration)
    _validated(iteration)
    after = model_snapshot(iteration, ITERATION_FIELDS)
    changed = [f for f in HYPOTHESIS_FIELDS if before[f] != after[f]]
    locked = list(iteration.experiments.filter(locked_at__isnull=False))
    if changed and locked:
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": "The hypothesis is pre-registered: say why it "
                    "changes (it will be shown as a deviation)."
                }
            )
        for experiment in locked:
            _record_deviation(
                actor=actor,
                experiment=experiment,
                field="hypothesis",
                before=_hypothesis_text(before),
                after=iteration.hypothesis,
                reason=reason.strip(),
            )
    iteration.save()
    audit_record(
        actor=actor,
        action=ExperimentsEvent.ITERATION_UPDATED,
        obj=iteration,
        organization=iteration.service.unit_id,
        before=before,
        after=after,
    )
    return iteration


def _hypothesis_text(values: dict[str, Any]) -> str:
    return Iteration(**{f: values[f] for f in HYPOTHESIS_FIELDS}).hypothesis


# -- experiments ---------------------------------------------------------------------------


def _check_variants(design: str, variants: list[dict], control: str) -> list[dict]:
    if design not in RANDOMISED:
        return []
    clean: list[dict[str, Any]] = []
    for v in variants:
        key = str(v.get("key", "")).strip()
        weight = v.get("weight", 1)
        if not key or ":" in key or not isinstance(weight, int) or weight < 0:
            raise ValidationError(
                {"variants": "Each variant needs a key (no ':') and a non-negative whole weight."}
            )
        clean.append({"key": key, "weight": weight})
    keys = [v["key"] for v in clean]
    if len(clean) < 2 or len(set(keys)) != len(keys):
        raise ValidationError(
            {"variants": "A randomised experiment needs at least two variants with different keys."}
        )
    if control not in keys:
        raise ValidationError({"control_variant": "The control must be one of the variants."})
    if sum(v["weight"] for v in clean) <= 0:
        raise ValidationError({"variants": "At least one variant needs a positive weight."})
    return clean


def _check_metrics(
    design: str, unit_id: int, metrics: list[tuple[Metric, str, float | None]]
) -> None:
    if sum(1 for _, role, _ in metrics if role == MetricRole.PRIMARY) != 1:
        raise ValidationError({"metrics": "Choose exactly one primary metric."})
    if len({m.pk for m, _, _ in metrics}) != len(metrics):
        raise ValidationError({"metrics": "Each metric can have only one role."})
    wanted = MetricSource.EVENTS if design in RANDOMISED else MetricSource.SITES
    for metric, role, margin in metrics:
        if metric.unit_id != unit_id:
            raise ValidationError({"metrics": f"Metric {metric.key!r} is not one of this unit's."})
        if role not in MetricRole.values:
            raise ValidationError({"metrics": f"Unknown role {role!r}."})
        if metric.source != wanted:
            kind = (
                "an event metric (per person)"
                if wanted == MetricSource.EVENTS
                else "a site-level outcome metric"
            )
            raise ValidationError(
                {
                    "metrics": f"Metric {metric.key!r} does not fit a "
                    f"{Design(design).label} design: it needs {kind}."
                }
            )
        if design not in RANDOMISED and role != MetricRole.PRIMARY:
            raise ValidationError(
                {
                    "metrics": "Non-randomised designs analyse one site-level "
                    "outcome: give it as the primary metric only."
                }
            )
        if role == MetricRole.GUARDRAIL and not (margin is not None and margin > 0):
            raise ValidationError(
                {"metrics": f"Guardrail {metric.key!r} needs a positive non-inferiority margin."}
            )
        if role != MetricRole.GUARDRAIL and margin is not None:
            raise ValidationError({"metrics": "Only guardrail metrics take a margin."})


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
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)
    if design not in Design.values:
        raise ValidationError({"design": f"Choose one of: {', '.join(Design.values)}."})
    if not analysis_plan.strip():
        raise ValidationError({"analysis_plan": "Write how the experiment will be analysed."})
    if not 0 < alpha < 0.5:
        raise ValidationError({"alpha": "The significance level must be between 0 and 0.5."})
    if design in SITE_DESIGNS - {Design.DID} and intervention_date is None:
        raise ValidationError(
            {
                "intervention_date": "This design needs the date the change "
                "started (the first treated period)."
            }
        )
    clean_variants = _check_variants(design, variants or [], control_variant)
    _check_metrics(design, unit_id, metrics)
    key = key.strip()
    # Only the unit's own keys are looked at: another unit's keys are never revealed.
    if key and Experiment.objects.filter(unit_id=unit_id, key=key).exists():
        raise ValidationError(
            {"key": f"Your unit already has an experiment with the key '{key}'; choose another."}
        )
    experiment = Experiment(
        iteration=iteration,
        unit_id=unit_id,
        key=key,
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
    _validated(experiment)
    if clean_variants:
        try:
            _config(experiment)
        except ValueError as error:
            raise ValidationError({"variants": str(error)}) from error
    experiment.save()
    _set_metrics(experiment, metrics)
    audit_record(
        actor=actor,
        action=ExperimentsEvent.EXPERIMENT_CREATED,
        obj=experiment,
        organization=unit_id,
        after={
            **model_snapshot(experiment, EXPERIMENT_FIELDS),
            "metrics": _metrics_plan(experiment),
        },
    )
    return experiment


def _config(experiment: Experiment):
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
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != ExperimentStatus.DRAFT:
        raise ValidationError({"status": "Only a draft experiment can be started."})
    if experiment.iteration.status == IterationStatus.DECIDED:
        raise ValidationError({"status": "The iteration has been decided; plan a new one."})
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
    _move_problems(
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
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)
    unknown = set(changes) - set(EXPERIMENT_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
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
    _validated(experiment)
    after = model_snapshot(experiment, EXPERIMENT_FIELDS)
    changed = [f for f in EXPERIMENT_FIELDS if before[f] != after[f] and f in LOCKED_FIELDS]
    if metrics is not None:
        _set_metrics(experiment, metrics)
        if _metrics_plan(experiment) != before_metrics:
            changed.append("metrics")
    if experiment.locked_at is not None and changed:
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": f"The plan was pre-registered on "
                    f"{experiment.locked_at:%Y-%m-%d %H:%M} UTC: "
                    f"changing {', '.join(changed)} needs a reason "
                    "(it will be shown as a deviation)."
                }
            )
        for name in changed:
            _record_deviation(
                actor=actor,
                experiment=experiment,
                field=name,
                before=before_metrics if name == "metrics" else before[name],
                after=_metrics_plan(experiment) if name == "metrics" else after[name],
                reason=reason.strip(),
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


@transaction.atomic
def experiment_stop(*, actor: Principal, experiment: Experiment) -> Experiment:
    """Stop collecting: assignment answers no variant and results become fixed-horizon."""
    unit_id = experiment.iteration.service.unit_id
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status != ExperimentStatus.RUNNING:
        raise ValidationError({"status": "Only a running experiment can be stopped."})
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


SITE_MAX_LENGTH = 120


@transaction.atomic
def site_observations_record(
    *, actor: Principal, experiment: Experiment, rows: list[dict[str, Any]], source: str = "api"
) -> int:
    """Record site outcomes per period for a non-randomised experiment.

    A row for a (site, period) already stored replaces it, so sending the same rows twice
    counts nothing twice. Every row is checked before anything is written.
    """
    unit_id = experiment.iteration.service.unit_id
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=unit_id)
    if experiment.design in RANDOMISED:
        raise ValidationError(
            {"design": "Randomised experiments read events, not site observations."}
        )
    clean: dict[tuple[str, date], tuple[float, bool]] = {}
    for i, row in enumerate(rows):
        site = str(row.get("site", "")).strip()
        if not site or not isinstance(row.get("period"), date):
            raise ValidationError({"rows": f"Row {i + 1}: give a site and a period date."})
        if len(site) > SITE_MAX_LENGTH:
            raise ValidationError(
                {"rows": f"Row {i + 1}: a site name has at most {SITE_MAX_LENGTH} characters."}
            )
        try:
            outcome = float(row["outcome"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError({"rows": f"Row {i + 1}: outcome must be a number."}) from None
        if not math.isfinite(outcome):
            raise ValidationError({"rows": f"Row {i + 1}: outcome must be a finite number."})
        # The last row for a (site, period) wins, as it would row by row.
        clean[(site, row["period"])] = (outcome, bool(row.get("treated", False)))
    stored = set(experiment.site_observations.values_list("site", "period"))
    SiteObservation.objects.bulk_create(
        [
            SiteObservation(
                experiment=experiment, site=site, period=period, outcome=outcome, treated=treated
            )
            for (site, period), (outcome, treated) in clean.items()
        ],
        update_conflicts=True,
        unique_fields=["experiment", "site", "period"],
        update_fields=["outcome", "treated"],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action=ExperimentsEvent.SITE_OBSERVATIONS_RECORDED,
        obj=experiment,
        organization=unit_id,
        metadata={
            "rows": len(rows),
            "replaced": len(stored & clean.keys()),
            "source": source,
        },
    )
    return len(rows)


# -- site observations from a CSV file -----------------------------------------------------

SITE_CSV_COLUMNS = ("site", "period", "outcome", "treated")
SITE_CSV_REQUIRED = ("site", "period", "outcome")
SITE_CSV_MAX_BYTES = 5 * 1024 * 1024
SITE_CSV_MAX_ROWS = 100_000
SITE_CSV_MAX_CELL = 200  # characters; the longest legitimate cell is a 120-character site
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


@dataclass(frozen=True)
class SiteRowError:
    """One broken rule: the spreadsheet row (the header is row 1), the column and the rule."""

    row: int
    column: str
    rule: str


@dataclass
class SiteImport:
    recorded: int = 0
    rejected: list[SiteRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.rejected})


def _decode_csv(content: bytes) -> tuple[str | None, SiteRowError | None]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        return None, SiteRowError(
            row,
            "",
            gettext(
                "The file is not UTF-8 text (unreadable byte at position %(pos)s). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"pos": error.start + 1},
        )
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        return None, SiteRowError(
            row, "", gettext("The file contains NUL characters: it is not a text CSV file.")
        )
    return text, None


def _header_errors(line: int, header: list[str]) -> list[SiteRowError]:
    errors = []
    expected = ", ".join(SITE_CSV_COLUMNS)
    seen: set[str] = set()
    for name in header:
        if not name:
            continue  # a column without a name (a trailing comma) is ignored
        if name in seen:
            errors.append(
                SiteRowError(line, name, gettext("This column appears twice in the header."))
            )
        elif name not in SITE_CSV_COLUMNS:
            errors.append(
                SiteRowError(
                    line,
                    name[:SITE_CSV_MAX_CELL],
                    gettext("Unknown column: the columns are %(columns)s.") % {"columns": expected},
                )
            )
        seen.add(name)
    for name in SITE_CSV_REQUIRED:
        if name not in seen:
            errors.append(SiteRowError(line, name, gettext("This column is required.")))
    return errors


def _site_cells(
    line: int, cells: dict[str, str]
) -> tuple[dict[str, Any] | None, list[SiteRowError]]:
    errors = []
    for column, value in cells.items():
        if len(value) > SITE_CSV_MAX_CELL:
            errors.append(
                SiteRowError(
                    line,
                    column,
                    gettext("The cell is longer than %(n)s characters.") % {"n": SITE_CSV_MAX_CELL},
                )
            )
    if errors:
        return None, errors
    site = cells.get("site", "")
    if not site:
        errors.append(SiteRowError(line, "site", gettext("Required: name the site.")))
    elif len(site) > SITE_MAX_LENGTH:
        errors.append(
            SiteRowError(
                line,
                "site",
                gettext("A site name has at most %(n)s characters.") % {"n": SITE_MAX_LENGTH},
            )
        )
    period: date | None = None
    raw = cells.get("period", "")
    if _DATE.fullmatch(raw):
        try:
            period = date.fromisoformat(raw)
        except ValueError:
            period = None
    if period is None:
        errors.append(
            SiteRowError(
                line,
                "period",
                gettext("Write the period as a date YYYY-MM-DD, e.g. 2025-01-06."),
            )
        )
    raw = cells.get("outcome", "")
    outcome = float(raw) if _NUMBER.fullmatch(raw) else None
    if outcome is None or not math.isfinite(outcome):
        errors.append(
            SiteRowError(
                line,
                "outcome",
                gettext(
                    "Write a finite number with a point as the decimal separator and no "
                    "thousands separator, e.g. 12.5."
                ),
            )
        )
    raw = cells.get("treated", "").lower()
    if raw not in _TRUE | _FALSE:
        errors.append(
            SiteRowError(
                line,
                "treated",
                gettext("Write true or false (or 1/0, yes/no); an empty cell means false."),
            )
        )
    if errors:
        return None, errors
    return {"site": site, "period": period, "outcome": outcome, "treated": raw in _TRUE}, []


def site_observations_parse_csv(content: bytes) -> tuple[list[dict[str, Any]], list[SiteRowError]]:
    """Parse a site-observations CSV (site, period, outcome[, treated]) into rows and errors."""
    if len(content) > SITE_CSV_MAX_BYTES:
        limit = SITE_CSV_MAX_BYTES // (1024 * 1024)
        return [], [
            SiteRowError(0, "", gettext("The file is larger than %(n)s MB.") % {"n": limit})
        ]
    text, problem = _decode_csv(content)
    if text is None:
        return [], [problem] if problem else []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    errors: list[SiteRowError] = []
    first_seen: dict[tuple[str, date], int] = {}
    header: list[str] | None = None
    line = header_line = data_rows = 0
    try:
        for record in reader:
            line += 1
            if header is None and not any(c.strip() for c in record):
                continue  # blank lines before the header
            if header is None:
                header, header_line = [c.strip().lower() for c in record], line
                errors = _header_errors(line, header)
                if errors:
                    return [], errors
                continue
            if not any(c.strip() for c in record):
                continue  # blank lines, and rows of empty cells spreadsheets leave at the end
            data_rows += 1
            if data_rows > SITE_CSV_MAX_ROWS:
                errors.append(
                    SiteRowError(
                        line,
                        "",
                        gettext("Too many rows: at most %(n)s per file.")
                        % {"n": f"{SITE_CSV_MAX_ROWS:,}"},
                    )
                )
                break
            if len(record) > len(header):
                errors.append(
                    SiteRowError(
                        line,
                        "",
                        gettext(
                            "The row has %(cells)s cells but the header names %(columns)s columns."
                        )
                        % {"cells": len(record), "columns": len(header)},
                    )
                )
                continue
            cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
            cells.pop("", None)
            row, row_errors = _site_cells(line, cells)
            if row is None:
                errors.extend(row_errors)
                continue
            key = (row["site"], row["period"])
            if key in first_seen:
                errors.append(
                    SiteRowError(
                        line,
                        "period",
                        gettext(
                            "Site “%(site)s” already has a row for %(period)s "
                            "(row %(row)s): one row per site and period."
                        )
                        % {
                            "site": row["site"],
                            "period": row["period"].isoformat(),
                            "row": first_seen[key],
                        },
                    )
                )
                continue
            first_seen[key] = line
            rows.append(row)
    except csv.Error as error:
        errors.append(
            SiteRowError(
                line + 1,
                "",
                gettext("The row cannot be read as CSV (%(error)s).") % {"error": error},
            )
        )
    if header is None:
        errors.append(
            SiteRowError(
                1,
                "",
                gettext("The file is empty: the first row must name the columns %(columns)s.")
                % {"columns": ", ".join(SITE_CSV_COLUMNS)},
            )
        )
    elif not rows and not errors:
        errors.append(
            SiteRowError(
                header_line + 1, "", gettext("The file has no data rows under the header.")
            )
        )
    return rows, errors


def site_observations_import_csv(
    *, actor: Principal, experiment: Experiment, content: bytes
) -> SiteImport:
    """Record a site-observations CSV through `site_observations_record`: all rows or none."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=experiment.iteration.service.unit_id)
    rows, errors = site_observations_parse_csv(content)
    report = SiteImport(rejected=errors)
    if errors:
        return report
    report.recorded = site_observations_record(
        actor=actor, experiment=experiment, rows=rows, source="csv"
    )
    return report


def power_proposal(
    *,
    service: Service,
    metric: Metric,
    baseline: float,
    mde_rel: float,
    sd: float | None = None,
    variants: int = 2,
    alpha: float = 0.05,
    power: float = 0.8,
    traffic_share: float = 1.0,
) -> dict[str, Any]:
    """Sample size per variant and days needed at the service's daily traffic."""
    daily = service.daily_volume * traffic_share
    try:
        if metric.stats_type == "proportion":
            result = power_proportions(
                baseline_rate=baseline,
                mde_rel=mde_rel,
                alpha=alpha,
                power=power,
                daily_units=daily,
                groups=variants,
            )
        else:
            if sd is None:
                raise ValidationError({"sd": "Give the standard deviation of the metric."})
            result = power_means(
                baseline_mean=baseline,
                baseline_sd=sd,
                mde_rel=mde_rel,
                alpha=alpha,
                power=power,
                daily_units=daily,
                groups=variants,
            )
    except StatsInputError as error:
        raise ValidationError({"baseline": str(error)}) from error
    return result.to_dict()


# -- results -------------------------------------------------------------------------------


def _specs(experiment: Experiment) -> list[analysis.MetricSpec]:
    out = []
    for link in experiment.metric_links.select_related(
        "metric", "metric__numerator", "metric__denominator"
    ):
        m = link.metric
        out.append(
            analysis.MetricSpec(
                key=m.key,
                name=m.name,
                role=link.role,
                stats_type=m.stats_type,
                higher_is_better=m.higher_is_better,
                margin=link.non_inferiority_margin,
                definition=m.definition() if m.is_event_metric else None,
            )
        )
    out.sort(key=lambda s: ["primary", "secondary", "guardrail"].index(s.role))
    return out


@observability.refresh_timed
def experiment_refresh(*, experiment: Experiment, flush: bool = True) -> ResultSnapshot:
    """Recompute the results of an experiment and store them as a snapshot (the writer's side)."""
    from civicloop.analytics.services import event_store

    experiment = Experiment.objects.select_related("iteration__service").get(pk=experiment.pk)
    running = experiment.status == ExperimentStatus.RUNNING
    try:
        if experiment.is_randomised:
            # The experiment's unit's own store: no other organisation's event is in it.
            store = event_store(organization_id=experiment.unit_id)
            if flush:
                store.flush()
            outcome = analysis.analyse_randomised(
                store=store,
                key=experiment.key,
                specs=_specs(experiment),
                control=experiment.control_variant,
                variants=experiment.variants,
                alpha=experiment.alpha,
                running=running,
                min_units=experiment.min_units_per_variant,
            )
        else:
            rows = [
                analysis.SiteRow(o.site, o.period, o.outcome, o.treated)
                for o in experiment.site_observations.all()
            ]
            outcome = analysis.analyse_sites(
                design=experiment.design,
                rows=rows,
                intervention=experiment.intervention_date,
                alpha=experiment.alpha,
            )
    except (StatsInputError, ValueError) as error:
        return ResultSnapshot.objects.create(
            experiment=experiment,
            computed_at=timezone.now(),
            ok=False,
            error=str(error),
            warnings=[f"Results could not be computed: {error}"],
        )
    if experiment.started_at and running:
        days_run = (timezone.now() - experiment.started_at).days
        outcome.payload["days_run"] = days_run
    return ResultSnapshot.objects.create(
        experiment=experiment,
        computed_at=timezone.now(),
        ok=True,
        payload=outcome.payload,
        warnings=outcome.warnings,
        maryland_sms=outcome.maryland_sms,
        nesta_level=outcome.nesta_level,
    )


def _metrics_compile_check(experiment: Experiment) -> None:
    """Refuse (422) a refresh whose event metrics no longer compile, e.g. stored custom SQL
    that the metric language refuses, instead of failing in the worker."""
    for link in experiment.metric_links.select_related(
        "metric", "metric__numerator", "metric__denominator"
    ):
        if link.metric.is_event_metric:
            metric_definition_check(link.metric, field="metrics", name_metric=True)


@dataclass
class LegacyStoreReport:
    """Whose experiments the exposures of the legacy event store (no organisation) name."""

    exposures: dict[str, int]  # experiment key -> exposure events
    owners: dict[str, list[int]]  # experiment key -> units with an experiment of that key

    @property
    def owning_units(self) -> set[int]:
        return {unit for units in self.owners.values() for unit in units}

    @property
    def unknown_keys(self) -> list[str]:
        return sorted(k for k in self.exposures if not self.owners.get(k))


def event_store_legacy_report() -> LegacyStoreReport | None:
    """The legacy store's exposures and the units owning their experiments (None: no store)."""
    from civicloop.analytics.services import events_legacy_exposures

    exposures = events_legacy_exposures()
    if exposures is None:
        return None
    owners: dict[str, list[int]] = {}
    for key, unit_id in (
        Experiment.objects.filter(key__in=list(exposures))
        .order_by("key", "unit_id")
        .values_list("key", "unit_id")
    ):
        owners.setdefault(key, []).append(unit_id)
    return LegacyStoreReport(exposures, owners)


def event_store_adopt_legacy(
    *, organization: Organization | None = None, force: bool = False
) -> tuple[Any, LegacyStoreReport]:
    """Give the legacy event store to one unit: the one named, or the only unit whose
    experiments its exposures name. Refuses when that is ambiguous, or (unless ``force``)
    when the exposures name experiments of other units. Operators only (the CLI)."""
    from civicloop.analytics.services import events_adopt_legacy

    report = event_store_legacy_report()
    if report is None:
        raise ValidationError({"store": "There is no legacy event store to adopt."})
    owners = report.owning_units
    if organization is None:
        if len(owners) != 1:
            found = "units " + ", ".join(map(str, sorted(owners))) if owners else "no unit"
            raise ValidationError(
                {
                    "organization": "The legacy store's exposures name experiments of "
                    f"{found}: name the unit its events belong to (--org SLUG)."
                }
            )
        organization = Organization.objects.get(pk=next(iter(owners)))
    foreign = sorted(k for k, units in report.owners.items() if organization.pk not in units)
    if foreign and not force:
        raise ValidationError(
            {
                "organization": "The legacy store has exposures of other units' experiments "
                f"({', '.join(foreign)}); they would count for '{organization.slug}'. "
                "Use --force if these events are this unit's all the same."
            }
        )
    return events_adopt_legacy(organization=organization, foreign_keys=foreign), report


def experiment_refresh_enqueue(*, actor: Principal, experiment: Experiment) -> None:
    """Ask the worker to refresh the results once the current transaction commits."""
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=experiment.iteration.service.unit_id)
    _metrics_compile_check(experiment)
    from civicloop.experiments.tasks import experiment_refresh_task

    pk = experiment.pk

    def enqueue() -> None:
        result = experiment_refresh_task.enqueue(pk)
        # Remember which task result to show on the results page (see refresh_status).
        Experiment.objects.filter(pk=pk).update(refresh_task_id=str(result.id))

    transaction.on_commit(enqueue)


# -- decisions -----------------------------------------------------------------------------


def _move_problems(
    actor: Principal, service: Service, moves: dict[str, str], rationale: str
) -> list[dict[str, Any]]:
    from civicloop.portfolio.services import problem_move_stage

    done = []
    for problem in service.problems.all():
        target = moves.get(problem.stage)
        if target is None or not can(actor, Ability.MOVE_STAGE, unit_id=problem.unit_id):
            continue
        problem_move_stage(actor=actor, problem=problem, to_stage=target, rationale=rationale)
        done.append({"problem": problem.pk, "from": problem.stage, "to": target})
    return done


@transaction.atomic
def decision_record(
    *,
    actor: Principal,
    iteration: Iteration,
    kind: str,
    rationale: str,
    cited_results: list[ResultSnapshot],
    stop_reason: str = "",
) -> Decision:
    """Decide an iteration: iterate, pivot, scale or stop, citing results (and feedback)."""
    service = iteration.service
    _require(actor, Ability.MANAGE_EXPERIMENTS, unit_id=service.unit_id)
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(DecisionKind.values)}."})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError(
            {"rationale": "Write why: a decision needs a rationale that cites the results."}
        )
    if stop_reason not in StopReason.values:
        raise ValidationError({"stop_reason": "Choose harm or futility (or leave it empty)."})
    if stop_reason and kind != DecisionKind.STOP:
        raise ValidationError({"stop_reason": "Only a stop decision can be an early stop."})
    iteration = Iteration.objects.select_for_update().get(pk=iteration.pk)
    if iteration.status == IterationStatus.DECIDED:
        raise ValidationError({"kind": "This iteration has already been decided."})
    valid = [s for s in cited_results if s.ok and s.experiment.iteration_id == iteration.pk]
    if not valid or len(valid) != len(cited_results):
        raise ValidationError(
            {"cited_results": "Cite at least one computed result of this iteration's experiments."}
        )
    now = timezone.now()
    for experiment in iteration.experiments.filter(status=ExperimentStatus.RUNNING):
        experiment.status = ExperimentStatus.STOPPED
        experiment.stopped_at = now
        experiment.save(update_fields=["status", "stopped_at", "updated_at"])
    evidence = [
        {
            "snapshot": s.pk,
            "experiment": s.experiment.key,
            "computed_at": s.computed_at.isoformat(),
            "maryland_sms": s.maryland_sms,
            "nesta_level": s.nesta_level,
            "headline": snapshot_headline(s),
        }
        for s in valid
    ]
    moves = _move_problems(
        actor,
        service,
        {Stage.EXPERIMENTING: DECISION_STAGE[DecisionKind(kind)]} if kind in DECISION_STAGE else {},
        f"Iteration {iteration.number} of {service.name}: {kind}. {rationale}",
    )
    decision = Decision.objects.create(
        iteration=iteration,
        kind=kind,
        stop_reason=stop_reason,
        rationale=rationale,
        evidence_summary=evidence,
        feedback_summary=selectors.iteration_feedback(viewer=actor, iteration=iteration),
        decided_at=now,
        decided_by=actor.person,
        decided_by_label=actor.label,
        problem_stage_moves=moves,
    )
    decision.cited_results.set(valid)
    iteration.status = IterationStatus.DECIDED
    iteration.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=ExperimentsEvent.DECISION_RECORDED,
        obj=iteration,
        organization=service.unit_id,
        after={
            "kind": kind,
            "stop_reason": stop_reason,
            "rationale": rationale,
            "cited_results": [s.pk for s in valid],
            "problem_stage_moves": moves,
        },
    )
    return decision


def snapshot_headline(snapshot: ResultSnapshot) -> str:
    """One line summarising a snapshot's primary effect, for decisions and timelines."""
    payload = snapshot.payload or {}
    if not snapshot.ok:
        return f"not computed: {snapshot.error}"
    if payload.get("design") == "randomised":
        for key, entry in (payload.get("metrics") or {}).items():
            if entry.get("role") == "primary" and entry.get("variants"):
                v = entry["variants"][0]
                if v.get("estimate") is None:
                    return f"{key}: no estimate"
                return (
                    f"{key}: {v['variant']} vs control {v['estimate']:+.4g} "
                    f"[{_fmt(v.get('ci_low'))}, {_fmt(v.get('ci_high'))}], "
                    f"P(beat control) {_fmt(v.get('chance_to_beat_control'))}"
                )
        return "no primary result"
    effect = payload.get("effect") or {}
    if effect.get("estimate") is None:
        return payload.get("error", "no estimate")
    return (
        f"effect {effect['estimate']:+.4g} [{_fmt(effect.get('ci_low'))}, "
        f"{_fmt(effect.get('ci_high'))}], p = {_fmt(effect.get('p_value'))}"
    )


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3g}"
