"""Site observations of non-randomised experiments: rows from the API or a CSV file."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.csv_intake import ImportReport
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    RANDOMISED,
    Experiment,
    SiteObservation,
)
from civicloop.experiments.site_csv import SITE_MAX_LENGTH, site_observations_parse_csv


@transaction.atomic
def site_observations_record(
    *, actor: Principal, experiment: Experiment, rows: list[dict[str, Any]], source: str = "api"
) -> int:
    """Record site outcomes per period for a non-randomised experiment.

    A row for a (site, period) already stored replaces it, so sending the same rows twice
    counts nothing twice. Every row is checked before anything is written.
    """
    unit_id = experiment.iteration.service.unit_id
    require(actor, Ability.MANAGE_EXPERIMENTS, unit_id)
    if experiment.design in RANDOMISED:
        raise ValidationError(
            {"design": _("Randomised experiments read events, not site observations.")}
        )
    clean: dict[tuple[str, date], tuple[float, bool]] = {}
    for number, row in enumerate(rows, start=1):
        site, outcome = _checked_row(number, row)
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


def _checked_row(number: int, row: dict[str, Any]) -> tuple[str, float]:
    """The site and outcome of one row, or an error naming the row."""
    site = str(row.get("site", "")).strip()
    if not site or not isinstance(row.get("period"), date):
        raise ValidationError(
            {"rows": _("Row %(row)s: give a site and a period date.") % {"row": number}}
        )
    if len(site) > SITE_MAX_LENGTH:
        raise ValidationError(
            {
                "rows": _("Row %(row)s: a site name has at most %(max)s characters.")
                % {"row": number, "max": SITE_MAX_LENGTH}
            }
        )
    try:
        outcome = float(row["outcome"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            {"rows": _("Row %(row)s: outcome must be a number.") % {"row": number}}
        ) from None
    if not math.isfinite(outcome):
        raise ValidationError(
            {"rows": _("Row %(row)s: outcome must be a finite number.") % {"row": number}}
        )
    return site, outcome


def site_observations_import_csv(
    *, actor: Principal, experiment: Experiment, content: bytes
) -> ImportReport:
    """Record a site-observations CSV through `site_observations_record`: all rows or none.

    The report's `imported` counts the rows recorded; `rejected` names the row and column of
    every broken rule (read by `core.csv_intake`, checked by `site_csv`).
    """
    require(actor, Ability.MANAGE_EXPERIMENTS, experiment.iteration.service.unit_id)
    rows, errors = site_observations_parse_csv(content)
    report = ImportReport(rows_read=len(rows), rejected=errors)
    if errors:
        return report
    report.imported = site_observations_record(
        actor=actor, experiment=experiment, rows=rows, source="csv"
    )
    return report
