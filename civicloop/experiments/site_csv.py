"""The rules of a site-observations CSV (site, period, outcome[, treated]), row by row.

The file is read by `core.csv_intake` (decoding, delimiter, header, size and row limits, cell
length), as every importer's is; this module checks each cell and the one-row-per-site-and-period
rule, and names the row and the column of every broken rule. No database here:
`services.sites.site_observations_import_csv` records what this returns.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from django.utils.translation import gettext

from civicloop.core.csv_intake import CsvRow, RowError, read_csv

SITE_MAX_LENGTH = 120
SITE_CSV_COLUMNS = ("site", "period", "outcome", "treated")
SITE_CSV_REQUIRED = ("site", "period", "outcome")
SITE_CSV_MAX_BYTES = 5 * 1024 * 1024
SITE_CSV_MAX_ROWS = 100_000
SITE_CSV_MAX_CELL = 200  # characters; the longest legitimate cell is a 120-character site
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


def _site(raw: str) -> tuple[str, str]:
    if not raw:
        return raw, gettext("Required: name the site.")
    if len(raw) > SITE_MAX_LENGTH:
        return raw, gettext("A site name has at most %(n)s characters.") % {"n": SITE_MAX_LENGTH}
    return raw, ""


def _period(raw: str) -> tuple[date | None, str]:
    if _DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw), ""
        except ValueError:
            pass
    return None, gettext("Write the period as a date YYYY-MM-DD, e.g. 2025-01-06.")


def _outcome(raw: str) -> tuple[float | None, str]:
    outcome = float(raw) if _NUMBER.fullmatch(raw) else None
    if outcome is None or not math.isfinite(outcome):
        return None, gettext(
            "Write a finite number with a point as the decimal separator and no "
            "thousands separator, e.g. 12.5."
        )
    return outcome, ""


def _treated(raw: str) -> tuple[bool, str]:
    raw = raw.lower()
    if raw not in _TRUE | _FALSE:
        return False, gettext("Write true or false (or 1/0, yes/no); an empty cell means false.")
    return raw in _TRUE, ""


def site_row(row: CsvRow) -> tuple[dict[str, Any] | None, list[RowError]]:
    """One data row as a clean row, or every rule it breaks, column by column."""
    site, site_rule = _site(row["site"].strip())
    period, period_rule = _period(row["period"].strip())
    outcome, outcome_rule = _outcome(row["outcome"].strip())
    treated, treated_rule = _treated(row["treated"].strip())
    rules = [
        ("site", site_rule),
        ("period", period_rule),
        ("outcome", outcome_rule),
        ("treated", treated_rule),
    ]
    errors = [RowError(row.line, rule, column) for column, rule in rules if rule]
    if errors:
        return None, errors
    return {"site": site, "period": period, "outcome": outcome, "treated": treated}, []


def site_observations_parse_csv(content: bytes) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Parse a site-observations CSV into clean rows and every error, in the file's order."""
    table = read_csv(
        content,
        required=SITE_CSV_REQUIRED,
        optional=SITE_CSV_COLUMNS,
        max_rows=SITE_CSV_MAX_ROWS,
        max_bytes=SITE_CSV_MAX_BYTES,
        max_cell=SITE_CSV_MAX_CELL,
    )
    rows: list[dict[str, Any]] = []
    errors = list(table.errors)
    first_seen: dict[tuple[str, date], int] = {}
    for csv_row in table.rows:
        row, row_errors = site_row(csv_row)
        if row is None:
            errors += row_errors
            continue
        key = (row["site"], row["period"])
        if key in first_seen:
            errors.append(_duplicate(csv_row.line, row, first_seen[key]))
            continue
        first_seen[key] = csv_row.line
        rows.append(row)
    errors.sort(key=lambda error: error.line)
    return rows, errors


def _duplicate(line: int, row: dict[str, Any], first: int) -> RowError:
    message = gettext(
        "Site “%(site)s” already has a row for %(period)s (row %(row)s): one row per site and "
        "period."
    ) % {"site": row["site"], "period": row["period"].isoformat(), "row": first}
    return RowError(line, message, "period")
