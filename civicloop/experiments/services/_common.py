"""What the experiments services share: validation, plan deviations and problem stage moves.

Steps of the public services (which check the actor with the gate first), never called alone.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, can
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    Experiment,
    PlanDeviation,
    Service,
)


def validated(instance: Any) -> None:
    instance.full_clean(validate_unique=True, validate_constraints=True)


def _plan_deviation_record(
    *, actor: Principal, experiment: Experiment, field: str, before: Any, after: Any, reason: str
) -> PlanDeviation:
    deviation = PlanDeviation.objects.create(
        experiment=experiment,
        field=field,
        before=before,
        after=after,
        reason=reason,
        recorded_at=timezone.now(),
        recorded_by=actor.person,
        recorded_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=ExperimentsEvent.PLAN_DEVIATION,
        obj=experiment,
        organization=experiment.iteration.service.unit_id,
        before={field: before},
        after={field: after},
        metadata={"reason": reason},
    )
    return deviation


def _problems_move(
    actor: Principal, service: Service, moves: dict[str, str], rationale: str
) -> list[dict[str, Any]]:
    from civicloop.portfolio.services import problem_move_stage

    done = []
    for problem in service.problems.all():
        target = moves.get(problem.stage)
        if target is None or not can(actor, Ability.MOVE_STAGE, unit_id=problem.unit_id):
            continue
        problem_move_stage(actor=actor, problem=problem, to_stage=target, rationale=rationale)
        done.append({"problem": problem.pk, "from": problem.stage, "to": target})
    return done
