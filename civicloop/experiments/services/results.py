"""Results: recompute an experiment's results into a snapshot, now or in the worker."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from civicloop.analytics.backends import WarehouseError, events_table_check, warehouse_queries
from civicloop.analytics.services import metric_definition_check
from civicloop.analytics.warehouse import Warehouse, warehouse_for, warehouse_variant_statistics
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments import analysis
from civicloop.experiments.models import (
    Experiment,
    ExperimentStatus,
    ResultSnapshot,
)
from civicloop.stats import StatsInputError
from civicloop.web import observability


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


EMBEDDED_STORE = "embedded store"


def _warehouse(experiment: Experiment) -> Warehouse:
    warehouse = warehouse_for(organization_id=experiment.unit_id)
    if warehouse is None:
        raise WarehouseError(
            "this experiment is analysed in the warehouse, but no warehouse is set for its "
            "unit (unit settings, Warehouse) or the installation (CIVICLOOP_WAREHOUSE_URL)"
        )
    events_table_check(warehouse.events_table)  # the installation's setting is checked here
    return warehouse


@observability.refresh_timed
def experiment_refresh(*, experiment: Experiment, flush: bool = True) -> ResultSnapshot:
    """Recompute the results of an experiment and store them as a snapshot (the writer's side)."""
    experiment = Experiment.objects.select_related("iteration__service").get(pk=experiment.pk)
    running = experiment.status == ExperimentStatus.RUNNING
    # Where the statistics were computed and the SQL sent there: filled in before the query
    # runs, so a failed snapshot still says where and what was sent.
    sent: dict[str, Any] = {"analysed_in": EMBEDDED_STORE, "queries": []}
    try:
        if experiment.is_randomised:
            outcome = _randomised_outcome(experiment, running=running, flush=flush, sent=sent)
        else:
            outcome = _sites_outcome(experiment)
    except (StatsInputError, ValueError, WarehouseError) as error:
        return ResultSnapshot.objects.create(
            experiment=experiment,
            computed_at=timezone.now(),
            ok=False,
            error=str(error),
            warnings=[f"Results could not be computed: {error}"],
            analysed_in=sent["analysed_in"],
            queries=sent["queries"],
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
        analysed_in=sent["analysed_in"],
        queries=sent["queries"],
    )


def _randomised_outcome(
    experiment: Experiment, *, running: bool, flush: bool, sent: dict[str, Any]
) -> analysis.Outcome:
    """Statistics from the unit's own event store, or from its warehouse when so marked."""
    from civicloop.analytics.services import event_store

    # The experiment's unit's own store: no other organisation's event is in it.
    store = event_store(organization_id=experiment.unit_id)
    statistics = None
    if experiment.analysed_in_warehouse:
        warehouse = _warehouse(experiment)
        metrics = [s.definition for s in _specs(experiment) if s.definition is not None]
        sent["analysed_in"] = warehouse.label
        sent["queries"] = warehouse_queries(
            metrics=metrics,
            experiment_key=experiment.key,
            dialect=warehouse.dialect,
            events_table=warehouse.events_table,
        )
        statistics, sent["queries"] = warehouse_variant_statistics(
            warehouse, experiment.key, metrics
        )
    elif flush:
        store.flush()
    return analysis.analyse_randomised(
        store=store,
        key=experiment.key,
        specs=_specs(experiment),
        control=experiment.control_variant,
        variants=experiment.variants,
        alpha=experiment.alpha,
        running=running,
        min_units=experiment.min_units_per_variant,
        statistics=statistics,
    )


def _sites_outcome(experiment: Experiment) -> analysis.Outcome:
    """A pilot against comparison sites, a before/after or a synthetic control."""
    rows = [
        analysis.SiteRow(o.site, o.period, o.outcome, o.treated)
        for o in experiment.site_observations.all()
    ]
    return analysis.analyse_sites(
        design=experiment.design,
        rows=rows,
        intervention=experiment.intervention_date,
        alpha=experiment.alpha,
    )


def _metrics_compile_check(experiment: Experiment) -> None:
    """Refuse (422) a refresh whose event metrics no longer compile, e.g. stored custom SQL
    that the metric language refuses, instead of failing in the worker."""
    for link in experiment.metric_links.select_related(
        "metric", "metric__numerator", "metric__denominator"
    ):
        if link.metric.is_event_metric:
            metric_definition_check(link.metric, field="metrics", name_metric=True)


def experiment_refresh_enqueue(*, actor: Principal, experiment: Experiment) -> None:
    """Ask the worker to refresh the results once the current transaction commits."""
    require(actor, Ability.MANAGE_EXPERIMENTS, experiment.iteration.service.unit_id)
    _metrics_compile_check(experiment)
    from civicloop.experiments.tasks import experiment_refresh_task

    pk = experiment.pk

    def enqueue() -> None:
        result = experiment_refresh_task.enqueue(pk)
        # Remember which task result to show on the results page (see refresh_status).
        Experiment.objects.filter(pk=pk).update(refresh_task_id=str(result.id))

    transaction.on_commit(enqueue)
