"""Writes of the analytics app: metrics, and event intake into the process-wide EventStore.

The web process only ever *accepts* events (into the SQLite outbox); the single writer (the
worker running ``analytics.tasks.events_flush``, or a management command) flushes them into
DuckDB and computes statistics, so the DuckDB file is never opened by two processes.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from civicloop.analytics.engine import AcceptResult, EventStore, ImportResult
from civicloop.analytics.metric_language import MetricLanguageError
from civicloop.analytics.models import Aggregation, Metric, MetricSource
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, can


class AnalyticsEvent(StrEnum):
    METRIC_CREATED = "analytics.metric_created"
    METRIC_UPDATED = "analytics.metric_updated"
    EVENTS_IMPORTED = "analytics.events_imported"


METRIC_FIELDS = [
    "key",
    "name",
    "description",
    "source",
    "aggregation",
    "event_name",
    "window_hours",
    "pre_window_hours",
    "percentile",
    "numerator",
    "denominator",
    "custom_sql",
    "higher_is_better",
    "unit_label",
]

_store_lock = threading.Lock()
_store: EventStore | None = None


def event_store() -> EventStore:
    """The one EventStore of this process, at ``settings.CIVICLOOP["EVENT_STORE_DIR"]``."""
    global _store
    config: dict[str, Any] = settings.CIVICLOOP
    with _store_lock:
        wanted = Path(config["EVENT_STORE_DIR"])
        if _store is None or _store.path != wanted:
            if _store is not None:
                _store.close()
            _store = EventStore(
                wanted,
                max_backlog=int(config.get("EVENT_STORE_MAX_BACKLOG", 2_000_000)),
            )
        return _store


def event_store_close() -> None:
    """Close the process's store (releases the DuckDB file for another writer process)."""
    global _store
    with _store_lock:
        if _store is not None:
            _store.close()
            _store = None


def _require_unit(actor: Principal, ability: Ability, unit_id: int) -> None:
    if not can(actor, ability, unit_id=unit_id):
        raise Http404("Not found")


def events_accept(*, actor: Principal, events: Any, body_bytes: int | None = None) -> AcceptResult:
    """Validate a batch and store its new events durably; raises BatchTooLarge/Backpressure."""
    if not actor.units_with(Ability.SEND_EVENTS):
        raise PermissionError("Sending events needs a write API key of a transformation unit.")
    return event_store().accept(events, body_bytes=body_bytes)


def events_import(
    *, path: str | Path, progress=None, actor: Principal | None = None
) -> ImportResult:
    """Import a CSV, JSON-lines or Parquet file of events (the writer's side: flushes)."""
    result = event_store().import_file(path, progress=progress)
    audit_record(
        actor=actor,
        action=AnalyticsEvent.EVENTS_IMPORTED,
        metadata={
            "file": Path(path).name,
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": result.rejected_count,
        },
    )
    return result


def events_flush() -> int:
    """Move the outbox into DuckDB and update the roll-ups; returns events written."""
    return event_store().flush()


def metric_definition_check(metric: Metric, *, field: str, name_metric: bool = False) -> None:
    """Raise ValidationError if the metric no longer compiles; custom SQL names ``custom_sql``.

    Used when a metric is saved and again before an experiment's results are refreshed, so a
    stored ``custom_sql`` that the metric language now refuses gets the same 422 as a new one.
    """
    prefix = f"metric {metric.key!r}: " if name_metric else ""
    try:
        metric.definition()
    except MetricLanguageError as error:
        raise ValidationError({"custom_sql": prefix + error.reason}) from error
    except ValueError as error:
        raise ValidationError({field: prefix + str(error)}) from error


def _metric_check(metric: Metric) -> None:
    if metric.source == MetricSource.SITES:
        metric.aggregation = ""
        metric.event_name = ""
        metric.custom_sql = ""
        metric.numerator = metric.denominator = None
    else:
        if metric.aggregation not in Aggregation.values:
            raise ValidationError(
                {
                    "aggregation": "Choose how events become the metric "
                    f"({', '.join(Aggregation.values)})."
                }
            )
        if metric.aggregation == Aggregation.RATIO:
            for name in ("numerator", "denominator"):
                part = getattr(metric, name)
                if part is None:
                    raise ValidationError(
                        {name: "A ratio metric needs a numerator and a denominator metric."}
                    )
                if part.unit_id != metric.unit_id or part.aggregation not in (
                    "count",
                    "sum",
                    "any",
                ):
                    raise ValidationError(
                        {name: "Use a count, sum or conversion metric of the same unit."}
                    )
        elif not metric.event_name and not metric.custom_sql:
            raise ValidationError(
                {"event_name": "Name the event this metric counts (or give custom SQL)."}
            )
        elif metric.event_name and metric.custom_sql:
            raise ValidationError(
                {"custom_sql": "Give either an event name or custom SQL, not both."}
            )
        metric_definition_check(metric, field="aggregation")
    metric.full_clean(validate_unique=True, validate_constraints=True)


@transaction.atomic
def metric_create(
    *,
    actor: Principal,
    unit: Organization,
    key: str,
    name: str,
    source: str = MetricSource.EVENTS,
    aggregation: str = "",
    event_name: str = "",
    window_hours: int | None = None,
    pre_window_hours: int = 168,
    percentile: float | None = None,
    numerator: Metric | None = None,
    denominator: Metric | None = None,
    custom_sql: str = "",
    higher_is_better: bool = True,
    description: str = "",
    unit_label: str = "",
) -> Metric:
    """Define a metric that experiments of the unit can reuse."""
    _require_unit(actor, Ability.MANAGE_EXPERIMENTS, unit.pk)
    if source not in MetricSource.values:
        raise ValidationError({"source": f"Choose one of: {', '.join(MetricSource.values)}."})
    metric = Metric(
        unit=unit,
        key=key.strip(),
        name=name.strip(),
        description=description.strip(),
        source=source,
        aggregation=aggregation,
        event_name=event_name.strip(),
        window_hours=window_hours,
        pre_window_hours=pre_window_hours,
        percentile=percentile,
        numerator=numerator,
        denominator=denominator,
        custom_sql=custom_sql.strip(),
        higher_is_better=higher_is_better,
        unit_label=unit_label.strip(),
    )
    _metric_check(metric)
    metric.save()
    audit_record(
        actor=actor,
        action=AnalyticsEvent.METRIC_CREATED,
        obj=metric,
        organization=unit,
        after=model_snapshot(metric, METRIC_FIELDS),
    )
    return metric


@transaction.atomic
def metric_update(*, actor: Principal, metric: Metric, **changes: Any) -> Metric:
    """Change a metric's definition (experiments that lock it keep their locked copy)."""
    _require_unit(actor, Ability.MANAGE_EXPERIMENTS, metric.unit_id)
    unknown = set(changes) - set(METRIC_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    metric = Metric.objects.select_for_update().get(pk=metric.pk)
    before = model_snapshot(metric, METRIC_FIELDS)
    for name, value in changes.items():
        setattr(metric, name, value.strip() if isinstance(value, str) else value)
    _metric_check(metric)
    metric.save()
    audit_record(
        actor=actor,
        action=AnalyticsEvent.METRIC_UPDATED,
        obj=metric,
        organization=metric.unit_id,
        before=before,
        after=model_snapshot(metric, METRIC_FIELDS),
    )
    return metric
