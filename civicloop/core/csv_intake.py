"""One way in for every CSV a person uploads: decode, check the columns, read the rows.

Every importer (portfolio measurements, feedback responses, experiments' site observations)
reads its file with `read_csv` and reports with one `ImportReport`, so a person sees the same
messages whatever they import:

    table = read_csv(content, required=["kpi_id", "date", "value"], optional=["source", "note"])
    report = ImportReport.for_table(table)
    for row in table.rows:
        ...  # row.line, row["kpi_id"]; a refused cell: report.reject(row.line, "...", "value")

An error names its line and, when one column is at fault, the column: `RowError(4, "Write a
number.", "outcome")`, which `describe()` reads as "Line 4, column outcome: Write a number.".
The messages are translated (they are shown to the person who uploaded the file).

What `read_csv` does, in order, and the message each failure gives (lines are numbered from 1,
the header; 0 means the file as a whole):

- size: more than `max_bytes` is refused before anything is read (line 0);
- decoding: UTF-8, with or without a byte-order mark, or UTF-16 with its mark (what Excel's
  "Unicode text" writes); anything else is refused with how to save it as UTF-8, at the line
  of the first byte that is not UTF-8; a NUL character (a binary file) is refused at its line;
- delimiter: the header line is sniffed; a file whose columns are separated by `;` (or a tab)
  where the importer reads `,` is refused with a hint, not reported as "missing columns";
- header: names are normalised (`" KPI id "` → `kpi_id`); empty names (trailing commas) are
  ignored; a name twice, a required name missing, or (when `optional` is given) a name the
  importer does not know is refused: one error a column, naming it (line 1);
- rows: a quoted value may span lines (a row is reported at the line it starts on); a row with
  more values than the header has columns is refused; missing trailing values read as `""`;
  rows with nothing in them are skipped; a value longer than `max_cell` characters is refused
  naming its column; more than `max_rows` rows refuses the file at the first row over the
  limit; a header with no row under it is refused (the line after the header).

`read_csv` never raises for bad input: everything wrong is a `RowError` in `CsvTable.errors`,
and a table with a file-level error has no rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext

from civicloop.web import numbers

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
# Delimiters a spreadsheet may have used, for the hint when the file is not comma-separated.
_CANDIDATES = {",": "','", ";": "';'", "\t": "'\\t'", "|": "'|'"}
_SEPARATORS = re.compile(r"[\s\-]+")
_MAX_SHOWN_NAME = 120  # characters of an unknown column's name repeated in its error


class RowError(NamedTuple):
    """A refused line: its number (1 is the header, 0 the whole file), why, and the column at
    fault ("" when the line as a whole is)."""

    line: int
    message: str
    column: str = ""

    def describe(self) -> str:
        """The error as a person reads it: "Line 4, column outcome: Write a number."."""
        if not self.line:
            return self.message
        if self.column:
            return gettext("Line %(line)s, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return gettext("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class CsvRow:
    """One row: the line it starts on and its values by normalised column name."""

    line: int
    values: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def get(self, name: str, default: str = "") -> str:
        """The value of column `name`, or `default` when the column is absent or empty."""
        return self.values.get(name) or default

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)


@dataclass
class CsvTable:
    """What `read_csv` read: the columns, the rows it accepted, and every error."""

    columns: list[str] = field(default_factory=list)
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    """The outcome of an import, shown to the person and kept (as counts) in the audit log.

    `rejected` holds `RowError`s (line, message, column) sorted by line; an all-or-nothing
    import that rejected anything imported nothing (`imported == 0`).
    """

    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        """How many lines were refused (a line may break several rules)."""
        return len({error.line for error in self.rejected})

    @classmethod
    def for_table(cls, table: CsvTable) -> ImportReport:
        """A report that starts with what reading the file already refused."""
        return cls(rows_read=table.rows_read, rejected=list(table.errors))

    def reject(self, line: int, message: str, column: str = "") -> None:
        self.rejected.append(RowError(line, message, column))

    def reject_error(self, line: int, error: ValidationError) -> None:
        """Refuse a row with a service's `ValidationError`: its first message, and the field it
        names as the column (a field is named like the column it was read from)."""
        if hasattr(error, "error_dict"):
            name, messages = next(iter(error.message_dict.items()))
            self.reject(line, messages[0], "" if name == NON_FIELD_ERRORS else name)
        else:
            self.reject(line, error.messages[0])

    def nothing_imported(self) -> ImportReport:
        """The report of an all-or-nothing import that was rolled back."""
        self.imported = 0
        self.duplicates = 0
        self.sort()
        return self

    def sort(self) -> None:
        """Errors in the order of the file (stable: a line's errors keep their order)."""
        self.rejected.sort(key=lambda error: error.line)


class ImportRejected(Exception):  # noqa: N818 - carries the report out of the transaction
    """Raised inside an import's transaction to roll it back; carries the report out."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.rejected)} rows rejected")
        self.report = report


def normalise_header(name: str) -> str:
    """`" KPI id "` → `kpi_id`: trimmed, lower-case, spaces and hyphens as underscores."""
    return _SEPARATORS.sub("_", name.replace("\ufeff", "").strip().lower()).strip("_")


def not_utf8() -> str:
    """What a person is told about a file that is not UTF-8 text (translated)."""
    return gettext(
        "The file is not UTF-8 text. In a spreadsheet, save it as 'CSV UTF-8 (comma delimited)' "
        "and upload it again."
    )


def decode(data: bytes | str) -> str | None:
    """The text of an upload (UTF-8 or UTF-16 with a byte-order mark), or None if neither."""
    text, _ = _decode(data)
    return text


def _decode(data: bytes | str) -> tuple[str | None, RowError | None]:
    """The text of an upload, or the error naming the line of the first unreadable byte."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, RowError(0, not_utf8())
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, RowError(body[: error.start].count(b"\n") + 1, not_utf8())


def _text_error(text: str) -> RowError | None:
    """A NUL character (a binary file, or UTF-16 without its mark), at its line."""
    at = text.find("\x00")
    if at < 0:
        return None
    return RowError(
        text[:at].count("\n") + 1,
        gettext("The file contains NUL characters: it is not a text CSV file."),
    )


def _header_line(text: str) -> str:
    """The first line, up to a line break outside quotes."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:index]
    return text


def _count_outside_quotes(line: str, char: str) -> int:
    quoted, count = False, 0
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str, allowed: str = ",") -> tuple[str, RowError | None]:
    """The delimiter of the header line among `allowed`, or an error with a hint.

    A header with none of the allowed delimiters but another one (`;` as spreadsheets set to
    Spanish, French or German write, or a tab) is refused: read with commas it would look like
    a single column, and the person would be told every column is missing.
    """
    header = _header_line(text)
    counts = {c: _count_outside_quotes(header, c) for c in _CANDIDATES.keys() | set(allowed)}
    usable = [c for c in allowed if counts[c]]
    if usable:
        return max(usable, key=lambda c: counts[c]), None
    others = [c for c in _CANDIDATES if c not in allowed and counts[c]]
    if others:
        found = max(others, key=lambda c: counts[c])
        expected = " | ".join(_CANDIDATES.get(c, repr(c)) for c in allowed)
        message = gettext(
            "The columns are separated by %(found)s, not %(expected)s. In a spreadsheet, save "
            "the file as 'CSV UTF-8 (comma delimited)' and upload it again."
        ) % {"found": _CANDIDATES[found], "expected": expected}
        if found == "\t":
            message = gettext(
                "The columns are separated by tabs, not %(expected)s. In a spreadsheet, save "
                "the file as 'CSV UTF-8 (comma delimited)' and upload it again."
            ) % {"expected": expected}
        return allowed[0], RowError(1, message)
    return allowed[0], None


def _check_header(
    names: list[str], required: Sequence[str], optional: Sequence[str] | None
) -> list[RowError]:
    """Every problem of the header, one a column: named twice, unknown, then missing."""
    known = None if optional is None else list(dict.fromkeys([*required, *optional]))
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in names:
        if not name:
            continue  # a column without a name (a trailing comma) is ignored
        if name in seen:
            errors.append(RowError(1, gettext("This column appears twice in the header."), name))
        elif known is not None and name not in known:
            errors.append(
                RowError(
                    1,
                    gettext("Unknown column: the columns are %(columns)s.")
                    % {"columns": ", ".join(known)},
                    name[:_MAX_SHOWN_NAME],
                )
            )
        seen.add(name)
    errors += [
        RowError(1, gettext("This column is required."), name)
        for name in required
        if name not in seen
    ]
    return errors


def read_csv(
    data: bytes | str,
    *,
    required: Sequence[str] = (),
    optional: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_cell: int | None = None,
    delimiters: str = ",",
) -> CsvTable:
    """Read an uploaded CSV file into rows keyed by normalised column name.

    `required` columns must be present (named in the error when not). `optional` names the
    other columns the importer reads: given, any further column is refused (a misspelt column
    is not silently ignored); None keeps every column. `max_cell` (characters) refuses a longer
    value, naming its column. `delimiters` are the ones accepted (the first is assumed for a
    one-column file). Never raises for bad input.
    """
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > max_bytes:
        return CsvTable(
            errors=[
                RowError(
                    0,
                    gettext("The file is larger than %(n)s MB.")
                    % {"n": f"{max_bytes / (1024 * 1024):g}"},
                )
            ]
        )
    text, problem = _decode(data)
    if text is None or problem is not None:
        return CsvTable(errors=[problem or RowError(0, not_utf8())])
    problem = _text_error(text)
    if problem is not None:
        return CsvTable(errors=[problem])
    if not text.strip():
        return CsvTable(
            errors=[RowError(1, gettext("The file is empty: the first line names the columns."))]
        )
    delimiter, hint = sniff_delimiter(text, delimiters)
    if hint is not None:
        return CsvTable(errors=[hint])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = [normalise_header(n) for n in next(reader)]
    except csv.Error as error:
        return CsvTable(errors=[_unreadable(1, error)])
    problems = _check_header(names, required, optional)
    if problems:
        return CsvTable(columns=[n for n in names if n], errors=problems)
    return _read_rows(reader, names, max_rows, max_cell)


def _unreadable(line: int, error: csv.Error) -> RowError:
    return RowError(line, gettext("The row cannot be read as CSV (%(error)s).") % {"error": error})


def _read_rows(
    reader: Iterator[list[str]], names: list[str], max_rows: int, max_cell: int | None
) -> CsvTable:
    table = CsvTable(columns=[n for n in names if n])
    line_num = getattr(reader, "line_num", 1)
    start = first = line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.errors.append(_unreadable(start, error))
            table.rows = []
            return table
        line, start = start, getattr(reader, "line_num", start) + 1
        if not any(v.strip() for v in values):
            continue
        table.rows_read += 1
        if table.rows_read > max_rows:
            message = gettext("Too many rows: at most %(n)s per file.") % {
                "n": numbers.number(max_rows)
            }
            table.errors = [RowError(line, message)]
            table.rows = []
            return table
        row = _row(line, names, values, max_cell, table.errors)
        if row is not None:
            table.rows.append(row)
    if not table.rows_read:
        message = gettext("The file has no data rows under the header.")
        table.errors.append(RowError(first, message))
    return table


def _row(
    line: int, names: list[str], values: list[str], max_cell: int | None, errors: list[RowError]
) -> CsvRow | None:
    """The row, or None with its errors added: surplus values, or values over `max_cell`."""
    if len(values) > len(names) and any(v.strip() for v in values[len(names) :]):
        message = gettext(
            "The row has %(cells)s cells but the header names %(columns)s columns."
        ) % {"cells": len(values), "columns": len(names)}
        errors.append(RowError(line, message))
        return None
    row = {name: value for name, value in zip(names, values, strict=False) if name}
    for name in names[len(values) :]:
        if name:
            row[name] = ""
    if max_cell is not None:
        too_long = [
            RowError(
                line,
                gettext("The cell is longer than %(n)s characters.") % {"n": max_cell},
                name,
            )
            for name, value in row.items()
            if len(value) > max_cell
        ]
        if too_long:
            errors.extend(too_long)
            return None
    return CsvRow(line, row)
