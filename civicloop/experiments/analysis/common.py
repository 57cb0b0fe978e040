"""What every design's analysis returns: the snapshot payload, warnings and evidence level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    payload: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    maryland_sms: int | None = None
    nesta_level: int | None = None
