"""One way in for every CSV a person uploads: decode, check the columns, read the rows.

Every importer (portfolio measurements, feedback responses, and the others as they move here)
reads its file with `read_csv` and reports with one `ImportReport`, so a person sees the same
messages whatever they import:

    table = read_csv(content, required=["kpi_id", "date", "value"], optional=["source", "note"])
    report = ImportReport.for_table(table)
    for row in table.rows:
        ...  # row.line, row["kpi_id"]; a refused row: report.reject(row.line, "value: ...")

What `read_csv` does, in order, and the message each failure gives (lines are numbered from 1,
the header; 0 means the file as a whole):

- size: more than `max_bytes` is refused before anything is read (line 0);
- decoding: UTF-8, with or without a byte-order mark, or UTF-16 with its mark (what Excel's
  "Unicode text" writes); anything else is refused with how to save it as UTF-8 (line 0);
- delimiter: the header line is sniffed; a file whose columns are separated by `;` (or a tab)
  where the importer reads `,` is refused with a hint, not reported as "missing columns";
- header: names are normalised (`" KPI id "` → `kpi_id`); empty names (trailing commas) are
  ignored; a name twice, a required name missing, or (when `optional` is given) a name the
  importer does not know is refused, naming them (line 1);
- rows: a quoted value may span lines (a row is reported at the line it starts on); a row with
  more values than the header has columns is refused; missing trailing values read as `""`;
  rows with nothing in them are skipped; more than `max_rows` rows refuses the file at the
  first row over the limit.

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

from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000
# Delimiters a spreadsheet may have used, for the hint when the file is not comma-separated.
_CANDIDATES = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}
_SEPARATORS = re.compile(r"[\s\-]+")


class RowError(NamedTuple):
    """A refused line: its number (1 is the header, 0 the whole file) and why."""

    line: int
    message: str


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

    `rejected` holds `(line, message)` pairs sorted by line; an all-or-nothing import that
    rejected anything imported nothing (`imported == 0`).
    """

    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @classmethod
    def for_table(cls, table: CsvTable) -> ImportReport:
        """A report that starts with what reading the file already refused."""
        return cls(rows_read=table.rows_read, rejected=list(table.errors))

    def reject(self, line: int, message: str) -> None:
        self.rejected.append(RowError(line, message))

    def reject_error(self, line: int, error: ValidationError) -> None:
        """Refuse a row with a service's `ValidationError`, as `field: message` (the first)."""
        if hasattr(error, "error_dict"):
            name, messages = next(iter(error.message_dict.items()))
            self.reject(line, f"{name}: {messages[0]}")
        else:
            self.reject(line, error.messages[0])

    def nothing_imported(self) -> ImportReport:
        """The report of an all-or-nothing import that was rolled back."""
        self.imported = 0
        self.duplicates = 0
        self.rejected.sort(key=lambda error: error.line)
        return self


class ImportRejected(Exception):  # noqa: N818 - carries the report out of the transaction
    """Raised inside an import's transaction to roll it back; carries the report out."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.rejected)} rows rejected")
        self.report = report


def normalise_header(name: str) -> str:
    """`" KPI id "` → `kpi_id`: trimmed, lower-case, spaces and hyphens as underscores."""
    return _SEPARATORS.sub("_", name.replace("\ufeff", "").strip().lower()).strip("_")


NOT_UTF8 = (
    "The file is not UTF-8 text. In a spreadsheet, save it as 'CSV UTF-8 (comma delimited)' "
    "and upload it again."
)


def decode(data: bytes | str) -> str | None:
    """The text of an upload (UTF-8 or UTF-16 with a byte-order mark), or None if neither."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


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
        expected = " or ".join(_CANDIDATES.get(c, repr(c)) for c in allowed)
        return allowed[0], RowError(
            1,
            f"The columns are separated by {_CANDIDATES[found]}, not {expected}. In a "
            "spreadsheet, save the file as 'CSV UTF-8 (comma delimited)' and upload it again.",
        )
    return allowed[0], None


def _check_header(
    names: list[str], required: Sequence[str], optional: Sequence[str] | None
) -> RowError | None:
    present = [n for n in names if n]
    twice = sorted({n for n in present if present.count(n) > 1})
    if twice:
        return RowError(1, f"Column(s) named twice: {', '.join(twice)}.")
    missing = [c for c in required if c not in present]
    if missing:
        return RowError(1, f"Missing column(s): {', '.join(missing)}.")
    if optional is not None:
        known = set(required) | set(optional)
        unknown = [n for n in present if n not in known]
        if unknown:
            return RowError(1, f"Unknown column(s): {', '.join(unknown)}.")
    return None


def read_csv(
    data: bytes | str,
    *,
    required: Sequence[str] = (),
    optional: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    delimiters: str = ",",
) -> CsvTable:
    """Read an uploaded CSV file into rows keyed by normalised column name.

    `required` columns must be present (named in the error when not). `optional` names the
    other columns the importer reads: given, any further column is refused (a misspelt column
    is not silently ignored); None keeps every column. `delimiters` are the ones accepted
    (the first is assumed for a one-column file). Never raises for bad input.
    """
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > max_bytes:
        megabytes = max_bytes / (1024 * 1024)
        return CsvTable(
            errors=[RowError(0, f"The file is larger than {megabytes:g} MB: split it.")]
        )
    text = decode(data)
    if text is None:
        return CsvTable(errors=[RowError(0, NOT_UTF8)])
    if not text.strip():
        return CsvTable(
            errors=[RowError(1, "The file is empty: the first line names the columns.")]
        )
    delimiter, hint = sniff_delimiter(text, delimiters)
    if hint is not None:
        return CsvTable(errors=[hint])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = [normalise_header(n) for n in next(reader)]
    except csv.Error as error:
        return CsvTable(errors=[RowError(1, f"The header is not valid CSV: {error}.")])
    problem = _check_header(names, required, optional)
    if problem is not None:
        return CsvTable(columns=[n for n in names if n], errors=[problem])
    return _read_rows(reader, names, max_rows)


def _read_rows(reader: Iterator[list[str]], names: list[str], max_rows: int) -> CsvTable:
    table = CsvTable(columns=[n for n in names if n])
    line_num = getattr(reader, "line_num", 1)
    start = line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.errors.append(RowError(start, f"The file is not valid CSV here: {error}."))
            table.rows = []
            break
        line, start = start, getattr(reader, "line_num", start) + 1
        if not any(v.strip() for v in values):
            continue
        table.rows_read += 1
        if table.rows_read > max_rows:
            table.errors = [RowError(line, f"Too many rows: at most {max_rows} per file.")]
            table.rows = []
            break
        if len(values) > len(names) and any(v.strip() for v in values[len(names) :]):
            table.errors.append(
                RowError(
                    line,
                    f"The row has {len(values)} values but the header names {len(names)} columns.",
                )
            )
            continue
        row = {name: value for name, value in zip(names, values, strict=False) if name}
        for name in names[len(values) :]:
            if name:
                row[name] = ""
        table.rows.append(CsvRow(line, row))
    return table
