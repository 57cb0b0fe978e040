"""Themes as plain data: a run's result and people's edits (accept, rename, merge, split, move).

`find_themes` (themes.py) reads `ThemeEdits` and returns a `ThemeResult`; both are stored as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    size: int
    quotes: list[str]
    keywords: list[str]
    pinned: bool = False  # True when a person accepted, renamed, merged, split or filled it
    # The label said in each language of the theme's comments, from that language's comments
    # only, most comments first: [{"language": "es", "label": "...", "comments": 12}, ...].
    # Empty for a label a person wrote (it is in their words, whatever the comments' language).
    labels: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ThemeResult:
    themes: list[Theme]
    assignments: list[str | None]  # theme id per input comment, None for empty text
    keys: list[str]  # the comment keys the edits refer to (ids given, else row numbers)
    stats: dict[str, float] = field(default_factory=dict)  # counts and seconds per phase

    def theme(self, theme_id: str) -> Theme:
        return next(t for t in self.themes if t.id == theme_id)

    def members(self, theme_id: str) -> list[str]:
        return [k for k, a in zip(self.keys, self.assignments, strict=True) if a == theme_id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "themes": [
                {
                    "id": t.id,
                    "label": t.label,
                    "size": t.size,
                    "quotes": t.quotes,
                    "keywords": t.keywords,
                    "pinned": t.pinned,
                    "labels": t.labels,
                }
                for t in self.themes
            ],
            "assignments": self.assignments,
        }


@dataclass
class PinnedTheme:
    id: str
    label: str | None  # None: label from key phrases on each run
    members: list[str]


@dataclass
class ThemeEdits:
    """People's decisions about themes; `find_themes` applies them after clustering.

    Each operation takes the `ThemeResult` the person was looking at and returns the id of the
    theme as it will appear in every later run (themes a person touched get ids h1, h2, ...).
    The structure is plain data: `to_dict`/`from_dict` store it as JSON.
    """

    pinned: dict[str, PinnedTheme] = field(default_factory=dict)
    reassignments: dict[str, str] = field(default_factory=dict)  # comment key -> theme id
    next_id: int = 1

    def _pin(self, result: ThemeResult, theme_id: str, label: str | None = None) -> str:
        if theme_id in self.pinned:
            if label is not None:
                self.pinned[theme_id].label = label
            return theme_id
        current = result.theme(theme_id)
        new_id = f"h{self.next_id}"
        self.next_id += 1
        members = [k for k in result.members(theme_id) if k not in self.reassignments]
        self.pinned[new_id] = PinnedTheme(new_id, label or current.label, members)
        return new_id

    def accept(self, result: ThemeResult, theme_id: str) -> str:
        """Keep this theme, its members and its current label in later runs."""
        return self._pin(result, theme_id)

    def rename(self, result: ThemeResult, theme_id: str, label: str) -> str:
        if not label.strip():
            raise ValueError("label: a theme needs a non-empty label")
        return self._pin(result, theme_id, label.strip())

    def merge(self, result: ThemeResult, theme_ids: Sequence[str], label: str | None = None) -> str:
        """One theme from several; the first id's label wins unless `label` is given."""
        if len(theme_ids) < 2:
            raise ValueError("theme_ids: merge needs at least two themes")
        target = self._pin(result, theme_ids[0], label)
        for other in theme_ids[1:]:
            source = self._pin(result, other)
            if source == target:
                continue
            for key in self.pinned.pop(source).members:
                if key not in self.pinned[target].members:
                    self.pinned[target].members.append(key)
            self._redirect(source, target)
        return target

    def split(
        self,
        result: ThemeResult,
        theme_id: str,
        groups: Sequence[Sequence[str]],
        labels: Sequence[str | None] | None = None,
    ) -> list[str]:
        """New themes from groups of comment keys; members left out are re-clustered."""
        if not groups:
            raise ValueError("groups: split needs at least one group of comments")
        labels = list(labels) if labels is not None else [None] * len(groups)
        old = self.pinned.pop(theme_id, None)
        new_ids = []
        for group, label in zip(groups, labels, strict=True):
            new_id = f"h{self.next_id}"
            self.next_id += 1
            self.pinned[new_id] = PinnedTheme(new_id, label, list(group))
            for key in group:
                self.reassignments.pop(key, None)
            new_ids.append(new_id)
        if old is not None:
            self._redirect(old.id, new_ids[0])
        return new_ids

    def reassign(self, result: ThemeResult, key: str, theme_id: str) -> str:
        """Put one comment in a theme, whatever later runs compute."""
        target = self._pin(result, theme_id)
        for pinned in self.pinned.values():
            if pinned.id != target and key in pinned.members:
                pinned.members.remove(key)
        if key not in self.pinned[target].members:
            self.pinned[target].members.append(key)
        self.reassignments[key] = target
        return target

    def _redirect(self, old: str, new: str) -> None:
        for key, target in self.reassignments.items():
            if target == old:
                self.reassignments[key] = new

    def to_dict(self) -> dict[str, Any]:
        return {
            "pinned": [
                {"id": p.id, "label": p.label, "members": list(p.members)}
                for p in self.pinned.values()
            ],
            "reassignments": dict(self.reassignments),
            "next_id": self.next_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThemeEdits:
        pinned = {
            p["id"]: PinnedTheme(p["id"], p.get("label"), list(p["members"]))
            for p in data.get("pinned", [])
        }
        return cls(pinned, dict(data.get("reassignments", {})), int(data.get("next_id", 1)))
