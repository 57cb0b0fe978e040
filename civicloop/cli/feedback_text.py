"""`civicloop feedback ...`: redaction and themes on any CSV file, without the web app.

    civicloop feedback redact FILE.csv --column COL [--language-column COL] > redacted.csv
    civicloop feedback themes FILE.csv --column COL [--language-column COL] [--format json|table]

`redact` writes the same CSV (all columns, same order, same rows, same delimiter) to stdout
with COL redacted. `themes` redacts COL first, then prints themes whose quotes are redacted
text; `--format json` prints {"themes": [{"id", "label", "size", "quotes", "keywords"}],
"assignments": [theme id or null per data row]}. Bad input prints one line on stderr and
exits 2. Comment text is never logged.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from typing import Any, NoReturn, TextIO

from civicloop.core.csv_intake import sniff_delimiter

PROG = "civicloop feedback"


class InputError(Exception):
    """A problem with the user's input, reported as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Redact and group free-text feedback, offline.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_text in (
        ("redact", "write the CSV to stdout with personal data in COL replaced by placeholders"),
        ("themes", "group the comments in COL into themes (redacted before grouping)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("file", help="CSV file with a header row")
        command.add_argument("--column", required=True, help="column holding the free text")
        command.add_argument("--language-column", help="column holding ISO 639-1 codes (en, es)")
        if name == "themes":
            command.add_argument("--format", choices=("json", "table"), default="table")
            command.add_argument("--max-k", type=int, default=15, help="most themes to find")
    return parser


def _open(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _delimiter(handle: TextIO) -> str:
    # The header row decides (core.csv_intake): the candidate it holds most outside quotes,
    # comma when none.
    header = handle.readline()
    handle.seek(0)
    delimiter, _ = sniff_delimiter(header, allowed=",;\t|")
    return delimiter


def _rows(path: str, column: str, language_column: str | None) -> Iterator[Any]:
    """Yields (delimiter, header, text index, language index) then each row (a list[str])."""
    with _open(path) as handle:
        try:
            delimiter = _delimiter(handle)
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: the file is empty (a header row is required)")
            if column not in header:
                raise InputError(
                    f"{path}: no column {column!r} (columns: {', '.join(header) or 'none'})"
                )
            if language_column is not None and language_column not in header:
                raise InputError(f"{path}: no language column {language_column!r}")
            text_at = header.index(column)
            language_at = header.index(language_column) if language_column else None
            yield delimiter, header, text_at, language_at
            yield from reader
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except csv.Error as error:
            raise InputError(f"{path}: not a readable CSV file ({error})") from None


def _progress(rows: Iterator[list[str]], what: str) -> Iterator[list[str]]:
    # A progress bar only for a person watching a terminal; never the text itself.
    if not sys.stderr.isatty():
        return rows
    from tqdm import tqdm

    return iter(tqdm(rows, desc=what, unit=" rows", file=sys.stderr, leave=False))


def _cell(row: list[str], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return row[index]


def _redact(args: argparse.Namespace, out: TextIO) -> int:
    from civicloop.text.redact import redact

    rows = _rows(args.file, args.column, args.language_column)
    delimiter, header, text_at, language_at = next(rows)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    buffered = [header]
    for row in _progress(rows, "redacting"):
        if text_at < len(row):
            row[text_at] = redact(row[text_at], _cell(row, language_at)).text
        buffered.append(row)
    # Written only once the whole file parsed, so a bad file never yields a half CSV.
    writer.writerows(buffered)
    return 0


def _themes(args: argparse.Namespace, out: TextIO) -> int:
    from civicloop.text.redact import redact
    from civicloop.text.themes import find_themes

    rows = _rows(args.file, args.column, args.language_column)
    _, _, text_at, language_at = next(rows)
    texts: list[str] = []
    languages: list[str | None] = []
    for row in _progress(rows, "redacting"):
        language = _cell(row, language_at) or None
        texts.append(redact(_cell(row, text_at) or "", language).text)
        languages.append(language)
    result = find_themes(
        texts, languages if language_at is not None else None, max_k=max(1, args.max_k)
    )
    if args.format == "json":
        data = result.to_dict()
        for theme in data["themes"]:
            theme.pop("pinned")
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    out.write(f"{'id':<5} {'size':>6}  {'label':<40}  quote\n")
    for theme in result.themes:
        quote = theme.quotes[0] if theme.quotes else ""
        quote = quote if len(quote) <= 60 else quote[:57] + "..."
        out.write(f"{theme.id:<5} {theme.size:>6}  {theme.label[:40]:<40}  {quote}\n")
    unassigned = sum(a is None for a in result.assignments)
    out.write(f"{len(result.themes)} themes, {len(texts)} rows, {unassigned} empty\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for `civicloop feedback`; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "redact":
            return _redact(args, sys.stdout)
        return _themes(args, sys.stdout)
    except InputError as error:
        sys.stderr.write(f"{PROG}: error: {error}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
