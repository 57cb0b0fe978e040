"""What a rule decides: a kind, who receives it, the facts it states, where it links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    kind: str
    person_ids: list[int]
    params: dict[str, Any] = field(default_factory=dict)
    link: str = ""
