"""Every write to the portfolio: one atomic function per use case, each audited and checked by
the permission gate, one module per sub-domain: problems (framing, stage gates, target groups),
kpis and measurements (one at a time or from CSV).

The names below are the app's public face: other apps import them from here.
"""

from civicloop.core.csv_intake import ImportRejected, ImportReport
from civicloop.portfolio.services.kpis import KPI_FIELDS, kpi_create, kpi_target_warning
from civicloop.portfolio.services.measurements import (
    MAX_IMPORT_ROWS,
    MEASUREMENT_CSV_COLUMNS,
    measurement_record,
    measurements_import_csv,
)
from civicloop.portfolio.services.problems import (
    PROBLEM_FIELDS,
    portfolio_export,
    problem_create,
    problem_move_stage,
    problem_update,
    stage_move_skips,
    target_group_create,
)
from civicloop.portfolio.services.publication import problem_publish

__all__ = [
    "KPI_FIELDS",
    "MAX_IMPORT_ROWS",
    "MEASUREMENT_CSV_COLUMNS",
    "PROBLEM_FIELDS",
    "ImportRejected",
    "ImportReport",
    "kpi_create",
    "kpi_target_warning",
    "measurement_record",
    "measurements_import_csv",
    "portfolio_export",
    "problem_create",
    "problem_move_stage",
    "problem_publish",
    "problem_update",
    "stage_move_skips",
    "target_group_create",
]
