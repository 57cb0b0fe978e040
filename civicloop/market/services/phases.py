"""Phases (feasibility, prototype, pilot) with budgets, and the weighted evaluation criteria."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import PHASE_ORDER, Challenge, ChallengeStatus, Criterion, Phase


@transaction.atomic
def phase_set(
    *,
    actor: Principal,
    challenge: Challenge,
    kind: str,
    budget: Decimal,
    awards_count: int = 1,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Phase:
    """Create or change a phase (feasibility, prototype, pilot) with its budget and awards."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if kind not in PHASE_ORDER:
        raise ValidationError({"kind": _("A phase is feasibility, prototype or pilot.")})
    if challenge.status not in (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION):
        raise ValidationError({"kind": _("Phases are fixed once the call is open.")})
    if budget is None or Decimal(budget) < 0:
        raise ValidationError({"budget": _("The budget must be zero or more.")})
    if awards_count < 1:
        raise ValidationError({"awards_count": _("A phase makes at least one award.")})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The phase must end after it starts.")})
    phase, _created = Phase.objects.update_or_create(
        challenge=challenge,
        kind=kind,
        defaults={
            "budget": Decimal(budget),
            "awards_count": awards_count,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    audit_record(
        actor=actor,
        action=MarketEvent.PHASE_SET,
        obj=phase,
        organization=challenge.unit_id,
        after=model_snapshot(phase),
    )
    return phase


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: int
    max_score: int = 10
    description: str = ""


@transaction.atomic
def criteria_set(
    *,
    actor: Principal,
    challenge: Challenge,
    criteria: Sequence[CriterionSpec],
    phase: Phase | None = None,
) -> list[Criterion]:
    """Replace the weighted criteria of a challenge (or of one phase); weights must sum to 100."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if challenge.status not in (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION):
        raise ValidationError({"criteria": _("Criteria are fixed once the call is open.")})
    if phase is not None and phase.challenge_id != challenge.pk:
        raise ValidationError({"phase": _("The phase belongs to another challenge.")})
    if not criteria:
        raise ValidationError({"criteria": _("Give at least one criterion.")})
    for spec in criteria:
        if not spec.name.strip():
            raise ValidationError({"criteria": _("Every criterion needs a name.")})
        if not 1 <= spec.weight <= 100:
            raise ValidationError(
                {"criteria": _("The weight of '%(name)s' must be 1 to 100.") % {"name": spec.name}}
            )
        if not 1 <= spec.max_score <= 100:
            raise ValidationError(
                {
                    "criteria": _("The maximum score of '%(name)s' must be 1 to 100.")
                    % {"name": spec.name}
                }
            )
    total = sum(spec.weight for spec in criteria)
    if total != 100:
        raise ValidationError(
            {
                "criteria": _("Criterion weights must sum to 100 (they sum to %(total)s).")
                % {"total": total}
            }
        )
    Criterion.objects.filter(challenge=challenge, phase=phase).delete()
    created = [
        Criterion.objects.create(
            challenge=challenge,
            phase=phase,
            name=s.name.strip(),
            weight=s.weight,
            max_score=s.max_score,
            description=s.description.strip(),
        )
        for s in criteria
    ]
    audit_record(
        actor=actor,
        action=MarketEvent.CRITERIA_SET,
        obj=challenge,
        organization=challenge.unit_id,
        after={
            "phase_id": phase.pk if phase else None,
            "criteria": [[c.name, c.weight, c.max_score] for c in created],
        },
    )
    return created
