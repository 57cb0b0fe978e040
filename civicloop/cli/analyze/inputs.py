"""Reading the CSV: columns that exist and hold what the analysis needs."""

from __future__ import annotations

import numpy as np
import pandas as pd


class InputProblem(Exception):
    """A problem with the user's input, reported as one line and exit code 2."""


def _read_csv(path: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise InputProblem(f"cannot read {path}: file not found") from exc
    except IsADirectoryError as exc:
        raise InputProblem(f"cannot read {path}: it is a directory") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputProblem(f"cannot read {path}: the file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputProblem(f"cannot read {path}: {first}") from exc
    if frame.empty:
        raise InputProblem(f"{path} has a header but no data rows")
    return frame


def _require(frame: pd.DataFrame, path: str, *columns: str | None) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            available = ", ".join(str(c) for c in frame.columns)
            raise InputProblem(f"column '{column}' not found in {path} (columns: {available})")


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    raw = frame[column]
    missing = raw.isna().to_numpy()
    if missing.any():
        line = int(np.flatnonzero(missing)[0]) + 2
        raise InputProblem(
            f"column '{column}' has {int(missing.sum())} missing value(s) (first on line {line})"
        )
    if raw.dtype == bool:
        return raw.to_numpy(dtype=np.float64)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputProblem(
            f"column '{column}' has non-numeric value {str(raw.iloc[index])!r} on line {index + 2}"
        )
    return values


def _binary(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = _numeric(frame, column)
    if not np.all((values == 0) | (values == 1)):
        odd = values[(values != 0) & (values != 1)][0]
        raise InputProblem(f"column '{column}' must be 0/1, found {odd:g}")
    return values


def _labels(frame: pd.DataFrame, column: str) -> np.ndarray:
    raw = frame[column]
    missing = raw.isna().to_numpy()
    if missing.any():
        line = int(np.flatnonzero(missing)[0]) + 2
        raise InputProblem(f"column '{column}' has a missing value on line {line}")
    return raw.astype(str).to_numpy()


def _time_values(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, bool]:
    """Numeric time, or dates converted to days since 1970-01-01 (second value True)."""
    raw = frame[column]
    numeric = pd.to_numeric(raw, errors="coerce")
    if raw.notna().all() and numeric.notna().all():
        return numeric.to_numpy(dtype=np.float64), False
    try:
        dates = pd.to_datetime(raw, errors="raise")
    except (ValueError, TypeError) as exc:
        raise InputProblem(
            f"column '{column}' must hold numbers or dates; cannot read {str(raw.iloc[0])!r}"
        ) from exc
    if dates.isna().any():
        raise InputProblem(f"column '{column}' has missing dates")
    days = (dates - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400.0
    return days, True
