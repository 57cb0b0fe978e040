"""A unit's warehouse: which one (installation default or the unit's own), and running there.

The connection code is in `backends.py` (no Django); this module resolves the settings, keeps
passwords out of the database and the pages, and returns the SQL it ran beside the statistics.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from civicloop.analytics import backends
from civicloop.analytics.metrics import MetricDefinition, MomentStats, RatioStats, stats_from_rows
from civicloop.analytics.models import WarehouseSettings
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require

Statistics = dict[str, dict[str, MomentStats | RatioStats]]
SETTINGS_FIELDS = ["url", "events_table", "password_secret"]
_SECRET_NAME = re.compile(r"CIVICLOOP_WAREHOUSE_[A-Z0-9_]+")
ENV_NAME_RULE = (
    "Name an environment variable starting with CIVICLOOP_WAREHOUSE_ "
    "(capital letters, digits and underscores)."
)


@dataclass(frozen=True)
class Warehouse:
    """A resolved warehouse: URL (as configured), events table, and the secret's name."""

    url: str
    events_table: str
    password_secret: str = ""

    @property
    def dialect(self) -> str:
        return backends.dialect_for(self.url)

    @property
    def label(self) -> str:
        """What the results page shows: engine and URL, never a password."""
        return f"{backends.LABELS[self.dialect]} {backends.redact(self.url)}"

    def execute(self, sql: str) -> list[tuple]:
        password = None
        if self.password_secret:
            password = os.environ.get(self.password_secret)
            if password is None:
                raise backends.WarehouseError(
                    f"the warehouse password is read from the environment variable "
                    f"{self.password_secret}, which is not set on this server"
                )
        try:
            return backends.connect(self.url, password=password)(sql)
        except backends.WarehouseError:
            raise
        except Exception as error:  # any driver's error: the refresh records the reason
            reason = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
            raise backends.WarehouseError(
                f"{backends.LABELS[self.dialect]} refused the query: {reason}"
            ) from error


def warehouse_for(*, organization_id: int) -> Warehouse | None:
    """The unit's own warehouse if set in its settings, else the installation's, else None."""
    own = WarehouseSettings.objects.filter(unit_id=organization_id).first()
    default_table = settings.CIVICLOOP_WAREHOUSE_EVENTS_TABLE or "events"
    if own is not None and own.url:
        return Warehouse(own.url, own.events_table or default_table, own.password_secret)
    if settings.CIVICLOOP_WAREHOUSE_URL:
        table = (own.events_table if own is not None else "") or default_table
        return Warehouse(settings.CIVICLOOP_WAREHOUSE_URL, table)
    return None


def warehouse_settings_get(*, unit: Organization) -> WarehouseSettings:
    """The unit's warehouse settings (unsaved and empty when it never set any)."""
    return WarehouseSettings.objects.filter(unit=unit).first() or WarehouseSettings(unit=unit)


@transaction.atomic
def warehouse_settings_update(
    *, actor: Principal, unit: Organization, url: str, events_table: str, password_secret: str
) -> WarehouseSettings:
    """Set (or, with an empty URL, clear) a unit's own warehouse; audited, no password kept."""
    require(actor, Ability.MANAGE_SETTINGS, unit)
    url, events_table, password_secret = url.strip(), events_table.strip(), password_secret.strip()
    errors: dict[str, str] = {}
    if url:
        try:
            backends.dialect_for(url)
        except ValueError as error:
            errors["url"] = str(error)
        else:
            if backends._split(url).password is not None:
                errors["url"] = (
                    "Leave the password out of the URL: put it in an environment variable of "
                    "the server and give that variable's name below."
                )
    if events_table:
        try:
            backends.events_table_check(events_table)
        except ValueError as error:
            errors["events_table"] = str(error)
    if password_secret and not _SECRET_NAME.fullmatch(password_secret):
        errors["password_secret"] = ENV_NAME_RULE
    if errors:
        raise ValidationError(errors)
    row = warehouse_settings_get(unit=unit)
    before = model_snapshot(row, SETTINGS_FIELDS) if row.pk else None
    row.url, row.events_table, row.password_secret = url, events_table, password_secret
    row.save()
    from civicloop.analytics.services import AnalyticsEvent

    audit_record(
        actor=actor,
        action=AnalyticsEvent.WAREHOUSE_SETTINGS_UPDATED,
        obj=row,
        organization=unit,
        before=before,
        after=model_snapshot(row, SETTINGS_FIELDS),
    )
    return row


def warehouse_variant_statistics(
    warehouse: Warehouse, experiment_key: str, metrics: Sequence[MetricDefinition]
) -> tuple[Statistics, list[dict[str, str]]]:
    """Per-variant statistics computed in the warehouse, and the SQL sent there per metric."""
    queries = backends.warehouse_queries(
        metrics=metrics,
        experiment_key=experiment_key,
        dialect=warehouse.dialect,
        events_table=backends.events_table_check(warehouse.events_table),
    )
    out: Statistics = {}
    for metric, query in zip(metrics, queries, strict=True):
        for variant, stats in stats_from_rows(metric, warehouse.execute(query["sql"])).items():
            out.setdefault(variant, {})[metric.key] = stats
    return out, queries
