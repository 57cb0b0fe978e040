"""CSV and JSON exports. CSV cells that a spreadsheet would run as a formula are neutralised.

Exports stream: `csv_response` writes each row as it is read from `rows`, and `json_response`
encodes its payload piece by piece, reading any iterator or generator inside it (a list of
rows passed as a generator) as it goes, so neither the file nor, when the caller passes
generators, its rows are ever held whole in memory. `json_document` is for a single document
(a report) that a client reads as one object.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def neutralise(value: Any) -> Any:
    """OWASP CSV injection advice: prefix text that starts like a formula with a quote."""
    if isinstance(value, int | float | Decimal) or value is None:
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_filename(name: str) -> str:
    cleaned = "".join(c for c in name if c.isalnum() or c in "-_.")
    return cleaned.strip(".") or "export"


class _Line:
    """A file-like object whose `write` returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text line by line, formula-like cells neutralised."""
    writer = csv.writer(_Line())
    yield writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'


def csv_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A CSV attachment streamed from `rows` (read once, as the client downloads)."""
    response = StreamingHttpResponse(
        csv_lines(headers, rows), content_type="text/csv; charset=utf-8"
    )
    _attachment(response, filename)
    return response


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def json_chunks(value: Any, indent: str = "") -> Iterator[str]:
    """`value` as JSON text, a piece at a time: mappings and iterables (lists, tuples,
    generators) are walked, anything else is encoded with DjangoJSONEncoder."""
    inner = indent + "  "
    if isinstance(value, Mapping):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + "\n" + inner + _ENCODE(str(key)) + ": "
            yield from json_chunks(item, inner)
        yield ("\n" + indent if value else "") + "}"
    elif isinstance(value, list | tuple | Iterator):
        yield "["
        empty = True
        for i, item in enumerate(value):
            empty = False
            yield ("," if i else "") + "\n" + inner
            yield from json_chunks(item, inner)
        yield ("" if empty else "\n" + indent) + "]"
    else:
        yield json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def json_response(filename: str, payload: Any) -> StreamingHttpResponse:
    """A JSON attachment encoded as it streams; lists in `payload` may be generators."""
    response = StreamingHttpResponse(
        json_chunks(payload), content_type="application/json; charset=utf-8"
    )
    _attachment(response, filename)
    return response


def json_document(filename: str, payload: Any) -> HttpResponse:
    """One JSON document (a report) as an attachment, not streamed."""
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    _attachment(response, filename)
    return response
