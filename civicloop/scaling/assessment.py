"""Aggregating ISAT domain ratings into a readiness recommendation. Pure.

Each assessor rates each of the ten domains 1 (major concerns) to 5 (strong). For each domain
we report the mean, the sample standard deviation, the range and the number of assessors.

The readiness rule (documented in docs/scaling/README.md):

1. *Incomplete* unless at least two assessors rated every domain.
2. *Not ready* if any domain's mean is below 2.5: those domains must be addressed first.
3. *Ready to scale* if every domain's mean is at least 3.5 and evidence of effectiveness (A4)
   is at least 4.0.
4. Otherwise *ready with conditions*: scale in stages, working on the domains below 3.5.

Whatever the verdict, domains where assessors disagree by 2 points or more are listed for a
moderation discussion before the decision (ISAT is meant to be completed by consensus).

Each reason comes twice, in parallel: an English sentence (`reasons`, returned by the API) and a
stable code with its numbers and domain codes (`reason_codes`), which pages word in the reader's
language (`civicloop/scaling/labels.py`). Codes are a contract: add new ones, never rename one.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

DOMAINS = (
    "problem",
    "intervention",
    "context",
    "effectiveness",
    "costs",
    "fidelity",
    "reach",
    "workforce",
    "infrastructure",
    "sustainability",
)
NOT_READY_BELOW = 2.5
READY_AT = 3.5
EFFECTIVENESS_READY_AT = 4.0
DISAGREEMENT_RANGE = 2
MIN_ASSESSORS = 2


@dataclass(frozen=True)
class DomainSummary:
    domain: str
    n: int
    mean: float | None
    sd: float | None
    low: int | None
    high: int | None


@dataclass(frozen=True)
class ReadinessReason:
    """A reason as a stable code and its parameters (numbers and domain codes, never words).

    too_few_assessors (complete, needed) · mean_below (threshold, domains) ·
    all_strong (threshold, effectiveness) · effectiveness_below (effectiveness, threshold)
    """

    code: str
    params: Mapping[str, float | int | tuple[str, ...]] = field(default_factory=dict)

    def english(self) -> str:
        """The sentence the API has always returned for this reason."""
        p = self.params
        if self.code == "too_few_assessors":
            return (
                f"{p['complete']} assessor(s) rated all ten domains; at least {p['needed']} needed"
            )
        if self.code == "mean_below":
            return f"mean below {p['threshold']} in: {', '.join(cast(tuple, p['domains']))}"
        if self.code == "all_strong":
            return (
                f"every domain mean at least {p['threshold']}; "
                f"effectiveness {cast(float, p['effectiveness']):.2f}"
            )
        if self.code == "effectiveness_below":
            return (
                f"evidence of effectiveness {cast(float, p['effectiveness']):.2f} "
                f"< {p['threshold']}"
            )
        return self.code


@dataclass(frozen=True)
class Readiness:
    verdict: str  # incomplete | not_ready | conditional | ready
    weak_domains: list[str]
    disputed_domains: list[str]
    reason_codes: list[ReadinessReason]

    @property
    def reasons(self) -> list[str]:
        """The reasons in English, in the order of `reason_codes` (the API's stable form)."""
        return [r.english() for r in self.reason_codes]


def summarise(scores: list[tuple[str, str, int]]) -> list[DomainSummary]:
    """(assessor id, domain, score) rows → one summary per domain, in ISAT order."""
    by_domain: dict[str, list[int]] = defaultdict(list)
    for _assessor, domain, score in scores:
        by_domain[domain].append(score)
    out = []
    for domain in DOMAINS:
        values = by_domain.get(domain, [])
        out.append(
            DomainSummary(
                domain,
                len(values),
                statistics.fmean(values) if values else None,
                statistics.stdev(values) if len(values) >= 2 else None,
                min(values) if values else None,
                max(values) if values else None,
            )
        )
    return out


def _complete_assessors(scores: list[tuple[str, str, int]]) -> list[str]:
    """The assessors who rated every domain."""
    per_assessor: dict[str, set[str]] = defaultdict(set)
    for a, d, _ in scores:
        per_assessor[a].add(d)
    return [a for a, domains in per_assessor.items() if domains >= set(DOMAINS)]


def readiness(scores: list[tuple[str, str, int]]) -> Readiness:
    """The verdict: incomplete, not ready, ready with conditions, or ready (with reasons)."""
    summary = summarise(scores)
    complete = _complete_assessors(scores)
    disputed = [
        s.domain
        for s in summary
        if s.low is not None and s.high is not None and s.high - s.low >= DISAGREEMENT_RANGE
    ]
    if len(complete) < MIN_ASSESSORS:
        return Readiness(
            "incomplete",
            [],
            disputed,
            [
                ReadinessReason(
                    "too_few_assessors", {"complete": len(complete), "needed": MIN_ASSESSORS}
                )
            ],
        )
    # At least MIN_ASSESSORS rated every domain, so every domain has a mean.
    means = {s.domain: cast(float, s.mean) for s in summary}
    weak = [d for d, mean in means.items() if mean < NOT_READY_BELOW]
    if weak:
        return Readiness(
            "not_ready",
            weak,
            disputed,
            [ReadinessReason("mean_below", {"threshold": NOT_READY_BELOW, "domains": tuple(weak)})],
        )
    below = [d for d, mean in means.items() if mean < READY_AT]
    effectiveness = means["effectiveness"]
    if not below and effectiveness >= EFFECTIVENESS_READY_AT:
        return Readiness(
            "ready",
            [],
            disputed,
            [
                ReadinessReason(
                    "all_strong", {"threshold": READY_AT, "effectiveness": effectiveness}
                )
            ],
        )
    reasons = []
    if below:
        reasons.append(
            ReadinessReason("mean_below", {"threshold": READY_AT, "domains": tuple(below)})
        )
    if effectiveness < EFFECTIVENESS_READY_AT:
        reasons.append(
            ReadinessReason(
                "effectiveness_below",
                {"effectiveness": effectiveness, "threshold": EFFECTIVENESS_READY_AT},
            )
        )
        if "effectiveness" not in below:
            below.append("effectiveness")
    return Readiness("conditional", below, disputed, reasons)
