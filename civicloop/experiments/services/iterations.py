"""Writes on iterations: plan one, change it (a hypothesis change after a start is a deviation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    Iteration,
    Service,
)
from civicloop.experiments.services._common import _plan_deviation_record, validated

ITERATION_FIELDS = [
    "title",
    "what_changes",
    "hypothesis_change",
    "hypothesis_metric",
    "hypothesis_group",
    "hypothesis_effect",
    "hypothesis_because",
    "starts_on",
    "ends_on",
    "evaluation_plan",
]


HYPOTHESIS_FIELDS = [
    "hypothesis_change",
    "hypothesis_metric",
    "hypothesis_group",
    "hypothesis_effect",
    "hypothesis_because",
]


def _check_hypothesis(iteration: Iteration) -> None:
    missing = [f for f in HYPOTHESIS_FIELDS if not str(getattr(iteration, f)).strip()]
    if missing:
        raise ValidationError(
            {
                missing[0]: _(
                    "Write the hypothesis as 'If we …, then <metric> for <group> improves by …, "
                    "because …': every part is needed."
                )
            }
        )


@transaction.atomic
def iteration_create(
    *,
    actor: Principal,
    service: Service,
    title: str,
    what_changes: str,
    hypothesis_change: str,
    hypothesis_metric: str,
    hypothesis_group: str,
    hypothesis_effect: str,
    hypothesis_because: str,
    starts_on: date,
    ends_on: date,
    evaluation_plan: str,
) -> Iteration:
    """Plan the next iteration of a service, with its hypothesis and evaluation plan."""
    require(actor, Ability.MANAGE_EXPERIMENTS, service.unit_id)
    last = service.iterations.order_by("-number").first()
    iteration = Iteration(
        service=service,
        number=(last.number + 1) if last else 1,
        title=title.strip(),
        what_changes=what_changes.strip(),
        hypothesis_change=hypothesis_change.strip(),
        hypothesis_metric=hypothesis_metric.strip(),
        hypothesis_group=hypothesis_group.strip(),
        hypothesis_effect=hypothesis_effect.strip(),
        hypothesis_because=hypothesis_because.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        evaluation_plan=evaluation_plan.strip(),
    )
    _check_hypothesis(iteration)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The iteration must end on or after its start.")})
    validated(iteration)
    iteration.save()
    audit_record(
        actor=actor,
        action=ExperimentsEvent.ITERATION_CREATED,
        obj=iteration,
        organization=service.unit_id,
        after=model_snapshot(iteration, ITERATION_FIELDS),
    )
    return iteration


@transaction.atomic
def iteration_update(
    *, actor: Principal, iteration: Iteration, reason: str = "", **changes: Any
) -> Iteration:
    """Edit an iteration; a hypothesis change after an experiment started is a deviation."""
    require(actor, Ability.MANAGE_EXPERIMENTS, iteration.service.unit_id)
    unknown = set(changes) - set(ITERATION_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    iteration = Iteration.objects.select_for_update().get(pk=iteration.pk)
    before = model_snapshot(iteration, ITERATION_FIELDS)
    for name, value in changes.items():
        setattr(iteration, name, value.strip() if isinstance(value, str) else value)
    _check_hypothesis(iteration)
    validated(iteration)
    after = model_snapshot(iteration, ITERATION_FIELDS)
    changed = [f for f in HYPOTHESIS_FIELDS if before[f] != after[f]]
    locked = list(iteration.experiments.filter(locked_at__isnull=False))
    if changed and locked:
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": _(
                        "The hypothesis is pre-registered: say why it changes (it will be shown "
                        "as a deviation)."
                    )
                }
            )
        for experiment in locked:
            _plan_deviation_record(
                actor=actor,
                experiment=experiment,
                field="hypothesis",
                before=_hypothesis_text(before),
                after=iteration.hypothesis,
                reason=reason.strip(),
            )
    iteration.save()
    audit_record(
        actor=actor,
        action=ExperimentsEvent.ITERATION_UPDATED,
        obj=iteration,
        organization=iteration.service.unit_id,
        before=before,
        after=after,
    )
    return iteration


def _hypothesis_text(values: dict[str, Any]) -> str:
    return Iteration(**{f: values[f] for f in HYPOTHESIS_FIELDS}).hypothesis
