"""A unit's warehouse: which one (installation default or the unit's own), and running there.

The connection code is in `backends.py` (no Django); this module resolves the settings, keeps
passwords out of the database and the pages, and returns the SQL it ran beside the statistics.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from civicloop.analytics import backends
from civicloop.analytics.backends import Warehouse, warehouse_variant_statistics
from civicloop.analytics.models import WarehouseSettings
from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require

__all__ = [
    "Warehouse",
    "warehouse_for",
    "warehouse_settings_get",
    "warehouse_settings_update",
    "warehouse_variant_statistics",
]
SETTINGS_FIELDS = ["url", "events_table", "password_secret"]
_SECRET_NAME = re.compile(r"CIVICLOOP_WAREHOUSE_[A-Z0-9_]+")
ENV_NAME_RULE = (
    "Name an environment variable starting with CIVICLOOP_WAREHOUSE_ "
    "(capital letters, digits and underscores)."
)


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
