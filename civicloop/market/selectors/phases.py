"""Phases of a challenge and the weighted criteria (the rubric) each phase is scored on."""

from __future__ import annotations

from dataclasses import dataclass

from civicloop.market.models import Challenge, Criterion, Phase


def phases_of(*, challenge: Challenge) -> list[Phase]:
    """The phases of a challenge in their order (feasibility, prototype, pilot)."""
    phases = list(challenge.phases.all())
    return sorted(phases, key=lambda p: p.order)


def criteria_of(*, challenge: Challenge) -> list[Criterion]:
    """Every criterion of a challenge, the challenge's own first, then each phase's."""
    return list(challenge.criteria.select_related("phase").order_by("phase_id", "pk"))


def rubric_for(*, challenge: Challenge, phase: Phase) -> list[Criterion]:
    """A phase's own criteria when it has them, otherwise the challenge's."""
    own = list(Criterion.objects.filter(challenge=challenge, phase=phase))
    return own or list(Criterion.objects.filter(challenge=challenge, phase__isnull=True))


@dataclass(frozen=True)
class Rubric:
    """The criteria one phase is scored on, and whether they are its own or the challenge's."""

    phase: Phase
    criteria: list[Criterion]
    own: bool


def rubrics_of(*, challenge: Challenge, phases: list[Phase] | None = None) -> list[Rubric]:
    """Per phase (in order), the rubric it is scored on: two queries whatever the count."""
    phases = phases if phases is not None else phases_of(challenge=challenge)
    criteria = list(Criterion.objects.filter(challenge=challenge).order_by("pk"))
    shared = [c for c in criteria if c.phase_id is None]
    out = []
    for phase in phases:
        own = [c for c in criteria if c.phase_id == phase.pk]
        out.append(Rubric(phase, own or shared, bool(own)))
    return out
