"""Streamed CSV and JSON downloads: rows are written as they are read, never all at once."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.http import StreamingHttpResponse

from civicloop.web.exports import neutralise, safe_filename


class _Line:
    """A file-like object whose `write` returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text line by line; cells a spreadsheet would run as a formula are neutralised."""
    writer = csv.writer(_Line())
    yield writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        yield writer.writerow([neutralise(_cell(cell)) for cell in row])


def json_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A JSON array of objects, one object per line."""
    yield "["
    for i, row in enumerate(rows):
        record = {h: _cell(v) for h, v in zip(headers, row, strict=True)}
        yield ("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def streamed_download(
    filename: str, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A CSV or JSON attachment streamed from `rows`."""
    if fmt == "json":
        body, content_type = json_lines(headers, rows), "application/json; charset=utf-8"
    else:
        body, content_type = csv_lines(headers, rows), "text/csv; charset=utf-8"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    return response
