"""Measurements: a KPI's value on a date, one at a time or from a CSV file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.csv_intake import CsvRow, ImportRejected, ImportReport, read_csv
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.events import PortfolioEvent
from civicloop.portfolio.models import (
    Kpi,
    Measurement,
)
from civicloop.portfolio.services.problems import validated


def _parse_decimal(raw: Any, field_name: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field_name: _("'%(value)s' is not a number.") % {"value": raw}}
        ) from None
    if not value.is_finite():
        raise ValidationError({field_name: _("The value must be a finite number.")})
    return value


def _parse_date(raw: Any, field_name: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError(
            {field_name: _("'%(value)s' is not a date in YYYY-MM-DD form.") % {"value": raw}}
        ) from None


@transaction.atomic
def measurement_record(
    *,
    actor: Principal,
    kpi: Kpi,
    date: date | str,
    value: Decimal | float | str,
    source: str = "",
    note: str = "",
    replace: bool = False,
) -> Measurement:
    """Record a KPI's value on a date; a second value for the same date needs `replace`."""
    require(actor, Ability.RECORD_MEASUREMENT, kpi.problem)
    when = _parse_date(date, "date")
    amount = _parse_decimal(value, "value")
    if when > timezone.localdate():
        raise ValidationError({"date": _("A measurement cannot be dated in the future.")})
    existing = Measurement.objects.filter(kpi=kpi, date=when).first()
    if existing and not replace:
        raise ValidationError(
            {"date": _("There is already a measurement for %(date)s.") % {"date": when.isoformat()}}
        )
    before = model_snapshot(existing, ["date", "value", "source"]) if existing else None
    measurement = existing or Measurement(kpi=kpi, date=when)
    measurement.value = amount
    measurement.source = source.strip()
    measurement.note = note.strip()
    measurement.recorded_by = actor.person
    validated(measurement, exclude=["kpi"])
    measurement.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.MEASUREMENT_RECORDED,
        obj=measurement,
        organization=kpi.problem.unit_id,
        before=before,
        after=model_snapshot(measurement, ["kpi", "date", "value", "source"]),
    )
    return measurement


MEASUREMENT_CSV_COLUMNS = ["kpi_id", "date", "value"]
MAX_IMPORT_ROWS = 100_000


def measurements_import_csv(*, actor: Principal, content: str | bytes) -> ImportReport:
    """Import measurements from CSV (kpi_id,date,value[,source,note]); all rows or none.

    The file is read by `core.csv_intake`; a row naming a KPI the actor cannot record is
    refused like a KPI that does not exist.
    """
    table = read_csv(content, required=MEASUREMENT_CSV_COLUMNS, max_rows=MAX_IMPORT_ROWS)
    report = ImportReport.for_table(table)
    kpis: dict[str, Kpi | None] = {}
    for raw_id in dict.fromkeys(row["kpi_id"].strip() for row in table.rows):
        kpi = (
            Kpi.objects.select_related("problem").filter(pk=raw_id).first()
            if raw_id.isdigit()
            else None
        )
        try:
            if kpi is not None:
                require(actor, Ability.RECORD_MEASUREMENT, kpi.problem)
        except Http404:
            kpi = None
        kpis[raw_id] = kpi
    try:
        with transaction.atomic():
            _record_rows(actor, table.rows, kpis, report)
            if report.rejected:
                raise ImportRejected(report)
            audit_record(
                actor=actor,
                action=PortfolioEvent.MEASUREMENTS_IMPORTED,
                metadata={"rows": report.imported},
            )
            return report
    except ImportRejected as rejected:
        return rejected.report.nothing_imported()


def _record_rows(
    actor: Principal, rows: list[CsvRow], kpis: dict[str, Kpi | None], report: ImportReport
) -> None:
    seen: set[tuple[int, date]] = set()
    for row in rows:
        raw_id = row["kpi_id"].strip()
        kpi = kpis[raw_id]
        if kpi is None:
            report.reject(row.line, f"No KPI '{raw_id}' that you can record.", "kpi_id")
            continue
        try:
            when = _parse_date(row["date"], "date")
            if (kpi.pk, when) in seen:
                raise ValidationError(
                    {"date": _("%(date)s appears twice for this KPI.") % {"date": when.isoformat()}}
                )
            seen.add((kpi.pk, when))
            measurement_record(
                actor=actor,
                kpi=kpi,
                date=when,
                value=row["value"],
                source=row.get("source", "import"),
                note=row.get("note"),
                replace=True,
            )
            report.imported += 1
        except ValidationError as error:
            report.reject_error(row.line, error)
