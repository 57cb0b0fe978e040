"""Writes of the analytics app: metrics, and event intake into the organisations' stores.

Every organisation (transformation unit) has its own event store (``TenantStores``): events
go to the store of the unit that sent them, and an experiment's results read its unit's store
only (docs/adr/0005-event-store-per-organisation.md). The web process only ever *accepts*
events (into a SQLite outbox); the single writer (the worker running
``analytics.tasks.events_flush``, or a management command) flushes them into DuckDB and computes
statistics, so a DuckDB file is never opened by two processes.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.analytics.engine import AcceptResult, EventStore, ImportResult
from civicloop.analytics.metric_language import MetricLanguageError
from civicloop.analytics.models import Aggregation, Metric, MetricSource
from civicloop.analytics.store.tenants import AdoptResult, TenantStores
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, acting_unit, require


class AnalyticsEvent(StrEnum):
    METRIC_CREATED = "analytics.metric_created"
    METRIC_UPDATED = "analytics.metric_updated"
    EVENTS_IMPORTED = "analytics.events_imported"
    EVENTS_ADOPTED = "analytics.events_adopted"
    WAREHOUSE_SETTINGS_UPDATED = "analytics.warehouse_settings_updated"
    EVENTS_EXPORTED = "analytics.events_exported"


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
_stores: TenantStores | None = None


def event_stores() -> TenantStores:
    """This process's per-organisation stores under ``settings.CIVICLOOP["EVENT_STORE_DIR"]``."""
    global _stores
    config: dict[str, Any] = settings.CIVICLOOP
    with _store_lock:
        wanted = Path(config["EVENT_STORE_DIR"])
        if _stores is None or _stores.root != wanted:
            if _stores is not None:
                _stores.close()
            _stores = TenantStores(
                wanted,
                max_backlog=int(config.get("EVENT_STORE_MAX_BACKLOG", 2_000_000)),
            )
        return _stores


def event_store(*, organization_id: int) -> EventStore:
    """The event store of one organisation: its events, duplicate ledger and roll-ups only."""
    return event_stores().get(organization_id)


def event_store_close() -> None:
    """Close the process's stores (releases the DuckDB files for another writer process)."""
    global _stores
    with _store_lock:
        if _stores is not None:
            _stores.close()
            _stores = None


def event_stores_release() -> None:
    """Close the DuckDB files this process has open, keeping the outboxes (after each task)."""
    with _store_lock:
        if _stores is not None:
            _stores.release_all()


def _require_unit(actor: Principal, ability: Ability, unit_id: int) -> None:
    require(actor, ability, unit_id)


def events_accept(
    *,
    actor: Principal,
    events: Any,
    body_bytes: int | None = None,
    organization_id: int | None = None,
) -> AcceptResult:
    """Validate a batch and store its new events durably in the sending unit's store.

    The sending unit is `acting_unit`'s: an API key sends for its own organisation; a person for
    the unit they name, or for their only unit with the right to send events, never the first
    of several silently.

    Raises BatchTooLarge/Backpressure (nothing stored). Duplicates are detected within the
    sending unit's events only.
    """
    unit = acting_unit(actor, Ability.SEND_EVENTS, organization_id, field="organization_id")
    return event_store(organization_id=unit.pk).accept(events, body_bytes=body_bytes)


def _event_unit(organization: Organization) -> None:
    if organization.kind != OrganizationKind.UNIT:
        raise ValidationError(
            {
                "organization": _(
                    "'%(slug)s' is not a transformation unit: only units have events."
                )
                % {"slug": organization.slug}
            }
        )


def events_import(
    *,
    path: str | Path,
    organization: Organization,
    progress=None,
    actor: Principal | None = None,
    flush: bool = True,
) -> ImportResult:
    """Import a CSV, JSON-lines or Parquet file into one unit's store (the writer's side).

    The rows go into the store's outbox like the API's batches; with ``flush`` the outbox is
    then written into DuckDB under the store's writer lock (waiting for a worker that has it)."""
    _event_unit(organization)
    if actor is not None and actor.is_authenticated:
        _require_unit(actor, Ability.SEND_EVENTS, organization.pk)
    store = event_store(organization_id=organization.pk)
    result = store.import_file(path, progress=progress, flush=flush)
    audit_record(
        actor=actor,
        action=AnalyticsEvent.EVENTS_IMPORTED,
        organization=organization,
        metadata={
            "file": Path(path).name,
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": result.rejected_count,
        },
    )
    return result


def events_flush(*, organization_id: int | None = None) -> int:
    """Move outboxes into DuckDB and update the roll-ups (one unit's, or every unit's)."""
    if organization_id is not None:
        return event_store(organization_id=organization_id).flush()
    return event_stores().flush_all()


def events_legacy_exposures() -> dict[str, int] | None:
    """{experiment key: exposures} of the legacy store (events without an organisation), or
    None when there is none."""
    stores = event_stores()
    if not stores.legacy_present():
        return None
    return stores.legacy_exposures()


def events_adopt_legacy(
    *, organization: Organization, foreign_keys: list[str] | None = None
) -> AdoptResult:
    """Give the legacy store to one unit (the caller decided it is theirs; see
    ``experiments.services.event_store_adopt_legacy``)."""
    _event_unit(organization)
    if not event_stores().legacy_present():
        raise ValidationError({"store": _("There is no legacy event store to adopt.")})
    try:
        result = event_stores().adopt_legacy(organization.pk)
    except ValueError as error:
        raise ValidationError({"store": str(error)}) from error
    audit_record(
        actor=None,
        action=AnalyticsEvent.EVENTS_ADOPTED,
        organization=organization,
        metadata={
            "events": result.events,
            "moved": result.moved,
            "duplicates": result.duplicates,
            "foreign_keys": foreign_keys or [],
        },
    )
    return result


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
                    "aggregation": _("Choose how events become the metric (%(choices)s).")
                    % {"choices": ", ".join(Aggregation.values)}
                }
            )
        if metric.aggregation == Aggregation.RATIO:
            for name in ("numerator", "denominator"):
                part = getattr(metric, name)
                if part is None:
                    raise ValidationError(
                        {name: _("A ratio metric needs a numerator and a denominator metric.")}
                    )
                if part.unit_id != metric.unit_id or part.aggregation not in (
                    "count",
                    "sum",
                    "any",
                ):
                    raise ValidationError(
                        {name: _("Use a count, sum or conversion metric of the same unit.")}
                    )
        elif not metric.event_name and not metric.custom_sql:
            raise ValidationError(
                {"event_name": _("Name the event this metric counts (or give custom SQL).")}
            )
        elif metric.event_name and metric.custom_sql:
            raise ValidationError(
                {"custom_sql": _("Give either an event name or custom SQL, not both.")}
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
    require(actor, Ability.MANAGE_EXPERIMENTS, unit)
    if source not in MetricSource.values:
        raise ValidationError(
            {
                "source": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(MetricSource.values)}
            }
        )
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
