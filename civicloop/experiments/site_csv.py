"""Parse a site-observations CSV (site, period, outcome[, treated]) into rows and row errors.

No database here: `services.sites.site_observations_import_csv` records what this returns.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext

from civicloop.web import numbers

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


@dataclass(frozen=True)
class SiteRowError:
    """One broken rule: the spreadsheet row (the header is row 1), the column and the rule."""

    row: int
    column: str
    rule: str


@dataclass
class SiteImport:
    recorded: int = 0
    rejected: list[SiteRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.rejected})


def _decode_csv(content: bytes) -> tuple[str | None, SiteRowError | None]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        return None, SiteRowError(
            row,
            "",
            gettext(
                "The file is not UTF-8 text (unreadable byte at position %(pos)s). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"pos": error.start + 1},
        )
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        return None, SiteRowError(
            row, "", gettext("The file contains NUL characters: it is not a text CSV file.")
        )
    return text, None


def _header_errors(line: int, header: list[str]) -> list[SiteRowError]:
    errors = []
    expected = ", ".join(SITE_CSV_COLUMNS)
    seen: set[str] = set()
    for name in header:
        if not name:
            continue  # a column without a name (a trailing comma) is ignored
        if name in seen:
            errors.append(
                SiteRowError(line, name, gettext("This column appears twice in the header."))
            )
        elif name not in SITE_CSV_COLUMNS:
            errors.append(
                SiteRowError(
                    line,
                    name[:SITE_CSV_MAX_CELL],
                    gettext("Unknown column: the columns are %(columns)s.") % {"columns": expected},
                )
            )
        seen.add(name)
    for name in SITE_CSV_REQUIRED:
        if name not in seen:
            errors.append(SiteRowError(line, name, gettext("This column is required.")))
    return errors


def _site_cells(
    line: int, cells: dict[str, str]
) -> tuple[dict[str, Any] | None, list[SiteRowError]]:
    """One data row as a clean row, or the rules it breaks (every one, column by column)."""
    errors = [
        SiteRowError(
            line,
            column,
            gettext("The cell is longer than %(n)s characters.") % {"n": SITE_CSV_MAX_CELL},
        )
        for column, value in cells.items()
        if len(value) > SITE_CSV_MAX_CELL
    ]
    if errors:
        return None, errors
    site, site_rule = _site(cells.get("site", ""))
    period, period_rule = _period(cells.get("period", ""))
    outcome, outcome_rule = _outcome(cells.get("outcome", ""))
    treated, treated_rule = _treated(cells.get("treated", ""))
    rules = [
        ("site", site_rule),
        ("period", period_rule),
        ("outcome", outcome_rule),
        ("treated", treated_rule),
    ]
    errors = [SiteRowError(line, column, rule) for column, rule in rules if rule]
    if errors:
        return None, errors
    return {"site": site, "period": period, "outcome": outcome, "treated": treated}, []


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


class _SiteCsvParser:
    """Reads the records of one file: the header first, then data rows one by one."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.errors: list[SiteRowError] = []
        self.first_seen: dict[tuple[str, date], int] = {}
        self.header: list[str] | None = None
        self.line = self.header_line = self.data_rows = 0

    def read(self, records: Iterable[list[str]]) -> bool:
        """Read every record; False when the header is refused (its errors are the only ones)."""
        for record in records:
            self.line += 1
            if not any(c.strip() for c in record):
                continue  # blank lines, and rows of empty cells spreadsheets leave at the end
            if self.header is None:
                self.header, self.header_line = [c.strip().lower() for c in record], self.line
                self.errors = _header_errors(self.line, self.header)
                if self.errors:
                    return False
                continue
            self.data_rows += 1
            if self.data_rows > SITE_CSV_MAX_ROWS:
                self.errors.append(
                    SiteRowError(
                        self.line,
                        "",
                        gettext("Too many rows: at most %(n)s per file.")
                        % {"n": numbers.number(SITE_CSV_MAX_ROWS)},
                    )
                )
                break
            self._record(self.header, record)
        return True

    def _record(self, header: list[str], record: list[str]) -> None:
        if len(record) > len(header):
            self.errors.append(
                SiteRowError(
                    self.line,
                    "",
                    gettext("The row has %(cells)s cells but the header names %(columns)s columns.")
                    % {"cells": len(record), "columns": len(header)},
                )
            )
            return
        cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
        cells.pop("", None)
        row, row_errors = _site_cells(self.line, cells)
        if row is None:
            self.errors.extend(row_errors)
            return
        key = (row["site"], row["period"])
        if key in self.first_seen:
            self.errors.append(
                SiteRowError(
                    self.line,
                    "period",
                    gettext(
                        "Site “%(site)s” already has a row for %(period)s "
                        "(row %(row)s): one row per site and period."
                    )
                    % {
                        "site": row["site"],
                        "period": row["period"].isoformat(),
                        "row": self.first_seen[key],
                    },
                )
            )
            return
        self.first_seen[key] = self.line
        self.rows.append(row)

    def finish(self) -> None:
        """A file without a header, or without data rows, says so."""
        if self.header is None:
            self.errors.append(
                SiteRowError(
                    1,
                    "",
                    gettext("The file is empty: the first row must name the columns %(columns)s.")
                    % {"columns": ", ".join(SITE_CSV_COLUMNS)},
                )
            )
        elif not self.rows and not self.errors:
            self.errors.append(
                SiteRowError(
                    self.header_line + 1, "", gettext("The file has no data rows under the header.")
                )
            )


def site_observations_parse_csv(content: bytes) -> tuple[list[dict[str, Any]], list[SiteRowError]]:
    """Parse a site-observations CSV (site, period, outcome[, treated]) into rows and errors."""
    if len(content) > SITE_CSV_MAX_BYTES:
        limit = SITE_CSV_MAX_BYTES // (1024 * 1024)
        return [], [
            SiteRowError(0, "", gettext("The file is larger than %(n)s MB.") % {"n": limit})
        ]
    text, problem = _decode_csv(content)
    if text is None:
        return [], [problem] if problem else []
    parser = _SiteCsvParser()
    try:
        if not parser.read(csv.reader(io.StringIO(text, newline=""))):
            return [], parser.errors
    except csv.Error as error:
        parser.errors.append(
            SiteRowError(
                parser.line + 1,
                "",
                gettext("The row cannot be read as CSV (%(error)s).") % {"error": error},
            )
        )
    parser.finish()
    return parser.rows, parser.errors
