"""Decisions: iterate, pivot, scale or stop an iteration, citing its results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.experiments import selectors
from civicloop.experiments.events import ExperimentsEvent
from civicloop.experiments.models import (
    Decision,
    DecisionKind,
    ExperimentStatus,
    Iteration,
    IterationStatus,
    ResultSnapshot,
    StopReason,
)
from civicloop.experiments.selectors.results import snapshot_headline
from civicloop.experiments.services._common import _problems_move
from civicloop.portfolio.models import Stage

# A decision moves the problem from "experimenting" to the stage it implies.
DECISION_STAGE = {DecisionKind.SCALE: Stage.SCALING, DecisionKind.PIVOT: Stage.EXPLORING}


@transaction.atomic
def decision_record(
    *,
    actor: Principal,
    iteration: Iteration,
    kind: str,
    rationale: str,
    cited_results: list[ResultSnapshot],
    stop_reason: str = "",
) -> Decision:
    """Decide an iteration: iterate, pivot, scale or stop, citing results (and feedback)."""
    service = iteration.service
    require(actor, Ability.MANAGE_EXPERIMENTS, service.unit_id)
    rationale = _check_decision(kind, rationale.strip(), stop_reason)
    iteration = Iteration.objects.select_for_update().get(pk=iteration.pk)
    if iteration.status == IterationStatus.DECIDED:
        raise ValidationError({"kind": _("This iteration has already been decided.")})
    valid = _valid_citations(iteration, cited_results)
    now = timezone.now()
    _running_experiments_stop(iteration, now)
    evidence = [_evidence_entry(s) for s in valid]
    moves = _problems_move(
        actor,
        service,
        {Stage.EXPERIMENTING: DECISION_STAGE[DecisionKind(kind)]} if kind in DECISION_STAGE else {},
        f"Iteration {iteration.number} of {service.name}: {kind}. {rationale}",
    )
    decision = Decision.objects.create(
        iteration=iteration,
        kind=kind,
        stop_reason=stop_reason,
        rationale=rationale,
        evidence_summary=evidence,
        feedback_summary=selectors.iteration_feedback(viewer=actor, iteration=iteration),
        decided_at=now,
        decided_by=actor.person,
        decided_by_label=actor.label,
        problem_stage_moves=moves,
    )
    decision.cited_results.set(valid)
    iteration.status = IterationStatus.DECIDED
    iteration.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=ExperimentsEvent.DECISION_RECORDED,
        obj=iteration,
        organization=service.unit_id,
        after={
            "kind": kind,
            "stop_reason": stop_reason,
            "rationale": rationale,
            "cited_results": [s.pk for s in valid],
            "problem_stage_moves": moves,
        },
    )
    return decision


def _valid_citations(iteration: Iteration, cited: list[ResultSnapshot]) -> list[ResultSnapshot]:
    """The cited results, all computed and of this iteration's experiments, or an error."""
    valid = [s for s in cited if s.ok and s.experiment.iteration_id == iteration.pk]
    if not valid or len(valid) != len(cited):
        raise ValidationError(
            {
                "cited_results": _(
                    "Cite at least one computed result of this iteration's experiments."
                )
            }
        )
    return valid


def _check_decision(kind: str, rationale: str, stop_reason: str) -> str:
    """The decision's kind, rationale and stop reason fit together; returns the rationale."""
    if kind not in DecisionKind.values:
        raise ValidationError(
            {"kind": _("Choose one of: %(choices)s.") % {"choices": ", ".join(DecisionKind.values)}}
        )
    if not rationale:
        raise ValidationError(
            {"rationale": _("Write why: a decision needs a rationale that cites the results.")}
        )
    if stop_reason not in StopReason.values:
        raise ValidationError({"stop_reason": _("Choose harm or futility (or leave it empty).")})
    if stop_reason and kind != DecisionKind.STOP:
        raise ValidationError({"stop_reason": _("Only a stop decision can be an early stop.")})
    return rationale


def _running_experiments_stop(iteration: Iteration, now: datetime) -> None:
    """A decided iteration collects no more data."""
    for experiment in iteration.experiments.filter(status=ExperimentStatus.RUNNING):
        experiment.status = ExperimentStatus.STOPPED
        experiment.stopped_at = now
        experiment.save(update_fields=["status", "stopped_at", "updated_at"])


def _evidence_entry(snapshot: ResultSnapshot) -> dict[str, Any]:
    """What a decision keeps of a result it cites."""
    return {
        "snapshot": snapshot.pk,
        "experiment": snapshot.experiment.key,
        "computed_at": snapshot.computed_at.isoformat(),
        "maryland_sms": snapshot.maryland_sms,
        "nesta_level": snapshot.nesta_level,
        "headline": snapshot_headline(snapshot),
    }
