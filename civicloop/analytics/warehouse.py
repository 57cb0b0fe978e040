"""A unit's warehouse: which one (installation default or the unit's own), and running there.

The connection code is in `backends.py` (no Django); this module resolves the settings, keeps
passwords out of the database and the pages, and returns the SQL it ran beside the statistics.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
SECRET_PREFIX = "CIVICLOOP_WAREHOUSE_PASSWORD_UNIT_"  # noqa: S105 - a variable name, not a secret


def unit_secret_name(unit_id: int) -> str:
    """The one environment variable a unit's warehouse password may be read from.

    Derived from the unit, never chosen: a unit admin who could name any variable could send
    another unit's warehouse password (or the installation's URL) to a host of their choice.
    """
    return f"{SECRET_PREFIX}{int(unit_id)}"


def warehouse_for(*, organization_id: int) -> Warehouse | None:
    """The unit's own warehouse if set in its settings, else the installation's, else None.

    The installation's warehouse is shared by every unit: its queries read the unit's rows only
    (its events table holds an ``organization`` column, as `civicloop export events` writes).
    """
    own = WarehouseSettings.objects.filter(unit_id=organization_id).first()
    default_table = settings.CIVICLOOP_WAREHOUSE_EVENTS_TABLE or "events"
    if own is not None and own.url:
        return Warehouse(own.url, own.events_table or default_table, own.password_secret)
    if settings.CIVICLOOP_WAREHOUSE_URL:
        # The shared warehouse's table is the operator's: a unit does not pick another one.
        return Warehouse(
            settings.CIVICLOOP_WAREHOUSE_URL, default_table, organization_id=organization_id
        )
    return None


def _url_errors(unit: Organization, url: str) -> str | None:
    """Why a unit may not use ``url`` as its own warehouse, or None."""
    try:
        backends.dialect_for(url)
    except ValueError as error:
        return str(error)
    if url.startswith("spark://local") or url == "local":
        host = "local"  # a Spark session inside the worker: the operator allows it or not
    else:
        parts = backends._split(url)
        if parts.password is not None:
            return (
                "Leave the password out of the URL: put it in the environment variable "
                f"{unit_secret_name(unit.pk)} of the server and tick the box below."
            )
        host = (parts.hostname or "").lower()
    allowed = {h.strip().lower() for h in settings.CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS if h.strip()}
    if host not in allowed:
        return (
            f"This installation does not let a unit connect to '{host or url}': the operator "
            "lists the hosts units may use in CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS."
        )
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
    if url and (problem := _url_errors(unit, url)) is not None:
        errors["url"] = problem
    if events_table:
        try:
            backends.events_table_check(events_table)
        except ValueError as error:
            errors["events_table"] = str(error)
    if password_secret and password_secret != unit_secret_name(unit.pk):
        errors["password_secret"] = _("This unit's password is read from %(name)s only.") % {
            "name": unit_secret_name(unit.pk)
        }
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
