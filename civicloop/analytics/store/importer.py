"""Readers for existing service logs: CSV, JSON lines and Parquet, in chunks of rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from civicloop.core.csv_intake import sniff_delimiter

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"{path.name}: unknown file type; use .csv, .jsonl, .ndjson or .parquet"
        ) from None


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    """Turn a tabular row into the API's event shape (empty cells are absent values)."""
    out = {k: v for k, v in row.items() if v is not None and v != ""}
    stamp = out.get("timestamp")
    if isinstance(stamp, datetime):
        out["timestamp"] = stamp.isoformat()
    props = out.get("properties")
    if isinstance(props, str):
        try:
            out["properties"] = json.loads(props)
        except json.JSONDecodeError:
            pass  # left as text: validation rejects it with "properties must be a JSON object"
    value = out.get("value")
    if isinstance(value, str):
        try:
            out["value"] = float(value)
        except ValueError:
            pass
    return out


def iter_rows(path: Path, *, chunk_rows: int) -> Iterator[tuple[list[Any], int | None]]:
    """Yield (rows, total rows or None) chunk by chunk."""
    kind = file_format(path)
    if kind == "jsonl":
        rows: list[Any] = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    rows.append("not JSON")  # rejected with "event must be a JSON object"
                if len(rows) >= chunk_rows:
                    yield rows, None
                    rows = []
        if rows:
            yield rows, None
        return
    if kind == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        total = parquet.metadata.num_rows
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            yield [_normalise(r) for r in batch.to_pylist()], total
        return
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # Every column as text: validation owns the parsing rules and their messages.
    with path.open("rb") as probe:
        first_line = probe.readline().decode("utf-8").strip()
    header = first_line.split(",")
    _, hint = sniff_delimiter(first_line)
    if hint is not None:
        raise ValueError(f"{path.name}: {hint.message} Nothing was imported.")
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True
    )
    reader = pacsv.open_csv(
        path, convert_options=options, read_options=pacsv.ReadOptions(block_size=1 << 22)
    )
    for batch in reader:
        rows = [_normalise(r) for r in batch.to_pylist()]
        for start in range(0, len(rows), chunk_rows):
            yield rows[start : start + chunk_rows], None
