"""Deterministic experiment assignment: the reference algorithm.

No database, no randomness, no clock: ``assign(config, unit_id)`` depends only on its arguments,
so every process (and every language implementing docs/analytics/assignment.md) gives the same
answer for the same configuration.

Hashing: ``bucket = int.from_bytes(sha256(message.encode("utf-8")).digest()[:8], "big") % 10000``
with ``message`` one of (fields joined by ``:``; keys and salts may not contain ``:``)::

    "holdout:<holdout.key>:<unit_id>"          global holdout draw
    "layer:<layer>:<unit_id>"                  position inside a mutually exclusive layer
    "exp:<experiment.key>:<salt>:<unit_id>"    traffic and variant draw

All boundaries are integers in basis points (1/10000), so the algorithm is exact in any language.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

BUCKETS = 10_000
_FORBIDDEN = ":"


def bucket_of(*, message: str) -> int:
    """Map a message to a bucket in [0, 10000) via the first 8 bytes of its SHA-256."""
    digest = hashlib.sha256(message.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


@dataclass(frozen=True)
class Holdout:
    """A global holdout: units whose holdout bucket is below ``share_bp`` see no experiment."""

    key: str
    share_bp: int  # basis points of all units held out, 0..10000

    def __post_init__(self) -> None:
        _check_key("holdout.key", self.key)
        if not 0 <= self.share_bp <= BUCKETS:
            raise ValueError("holdout.share_bp must be between 0 and 10000")


@dataclass(frozen=True)
class Variant:
    key: str
    weight: int = 1  # relative integer weight

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("variant.key must not be empty")
        if not isinstance(self.weight, int) or self.weight < 0:
            raise ValueError("variant.weight must be a non-negative integer")


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that decides who sees what.

    ``traffic_bp``: share (basis points) of eligible units that enter the experiment.
    ``layer`` / ``layer_range``: experiments in the same layer must own disjoint
    ``[start, end)`` ranges of the layer's buckets, which makes them mutually exclusive.
    """

    key: str
    variants: tuple[Variant, ...]
    salt: str = ""
    traffic_bp: int = BUCKETS
    layer: str | None = None
    layer_range: tuple[int, int] = (0, BUCKETS)
    holdout: Holdout | None = None
    _edges: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_key("key", self.key)
        _check_key("salt", self.salt, allow_empty=True)
        if self.layer is not None:
            _check_key("layer", self.layer)
        if len(self.variants) < 1:
            raise ValueError("variants must contain at least one variant")
        if len({v.key for v in self.variants}) != len(self.variants):
            raise ValueError("variant keys must be unique")
        total = sum(v.weight for v in self.variants)
        if total <= 0:
            raise ValueError("variant weights must not all be zero")
        if not 0 <= self.traffic_bp <= BUCKETS:
            raise ValueError("traffic_bp must be between 0 and 10000")
        start, end = self.layer_range
        if not 0 <= start <= end <= BUCKETS:
            raise ValueError("layer_range must satisfy 0 <= start <= end <= 10000")
        edges = [0]
        cumulative = 0
        for variant in self.variants:
            cumulative += variant.weight
            edges.append(BUCKETS * cumulative // total)
        object.__setattr__(self, "_edges", tuple(edges))

    def variant_ranges(self) -> list[tuple[str, int, int]]:
        """The ``[start, end)`` bucket range that each variant occupies at the current traffic."""
        ranges = []
        for i, variant in enumerate(self.variants):
            start = self._edges[i]
            width = self._edges[i + 1] - start
            ranges.append((variant.key, start, start + width * self.traffic_bp // BUCKETS))
        return ranges


@dataclass(frozen=True)
class Assignment:
    experiment_key: str
    variant: str
    bucket: int


def assign(experiment: ExperimentConfig, unit_id: str) -> Assignment | None:
    """The variant ``unit_id`` sees in ``experiment``, or None when it is not in the experiment."""
    if not isinstance(unit_id, str) or not unit_id:
        raise ValueError("unit_id must be a non-empty string")
    holdout = experiment.holdout
    if holdout is not None and bucket_of(message=f"holdout:{holdout.key}:{unit_id}") < (
        holdout.share_bp
    ):
        return None
    if experiment.layer is not None:
        position = bucket_of(message=f"layer:{experiment.layer}:{unit_id}")
        start, end = experiment.layer_range
        if not start <= position < end:
            return None
    bucket = bucket_of(message=f"exp:{experiment.key}:{experiment.salt}:{unit_id}")
    for variant_key, start, end in experiment.variant_ranges():
        if start <= bucket < end:
            return Assignment(experiment_key=experiment.key, variant=variant_key, bucket=bucket)
    return None


def layer_check(*, experiments: list[ExperimentConfig]) -> None:
    """Raise ValueError when two experiments of one layer own overlapping bucket ranges."""
    by_layer: dict[str, list[ExperimentConfig]] = {}
    for experiment in experiments:
        if experiment.layer is not None:
            by_layer.setdefault(experiment.layer, []).append(experiment)
    for layer, members in by_layer.items():
        members.sort(key=lambda e: e.layer_range)
        for left, right in zip(members, members[1:], strict=False):
            if right.layer_range[0] < left.layer_range[1]:
                raise ValueError(
                    f"layer {layer!r}: experiments {left.key!r} {left.layer_range} and "
                    f"{right.key!r} {right.layer_range} overlap"
                )


def _check_key(name: str, value: str, *, allow_empty: bool = False) -> None:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ValueError(f"{name} must be a non-empty string")
    if _FORBIDDEN in value:
        raise ValueError(f"{name} must not contain ':'")
