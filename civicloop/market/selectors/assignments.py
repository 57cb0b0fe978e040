"""Evaluator assignments of a challenge, the people who may be assigned, and the proposals that
no assigned evaluator covers (flagged on the workspace). Unit staff only (MANAGE_MARKET)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicloop.core.models import Person, Role
from civicloop.core.permissions import Ability, Principal
from civicloop.market.models import Challenge, EvaluatorAssignment, Proposal
from civicloop.market.selectors._common import COUNTED_STATUSES


def _require_manages(viewer: Principal, challenge: Challenge) -> None:
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")


def evaluator_assignment_list(
    *, viewer: Principal, challenge: Challenge
) -> QuerySet[EvaluatorAssignment]:
    """The challenge's assignments, whole-challenge ones first, with evaluator and proposal."""
    _require_manages(viewer, challenge)
    return (
        EvaluatorAssignment.objects.filter(challenge=challenge)
        .select_related("evaluator", "proposal")
        .order_by("proposal_id", "evaluator__full_name", "pk")
    )


def evaluator_assignment_get(
    *, viewer: Principal, challenge: Challenge, pk: int
) -> EvaluatorAssignment:
    """One assignment of the challenge (404 when it is another challenge's or out of scope)."""
    assignment = evaluator_assignment_list(viewer=viewer, challenge=challenge).filter(pk=pk).first()
    if assignment is None:
        raise Http404("Not found")
    return assignment


def evaluator_candidates(*, viewer: Principal, challenge: Challenge) -> QuerySet[Person]:
    """Active people holding the evaluator role in the challenge's unit."""
    _require_manages(viewer, challenge)
    return (
        Person.objects.filter(
            is_active=True,
            memberships__organization_id=challenge.unit_id,
            memberships__role=Role.EVALUATOR,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def proposals_without_evaluator(*, viewer: Principal, challenge: Challenge) -> list[Proposal]:
    """Once the unit assigns evaluators, the counted proposals none of them covers (nobody may
    score them); empty while the challenge has no assignment (every evaluator may)."""
    _require_manages(viewer, challenge)
    assignments = EvaluatorAssignment.objects.filter(challenge=challenge)
    if not assignments.exists() or assignments.filter(proposal__isnull=True).exists():
        return []
    covered = assignments.values_list("proposal_id", flat=True)
    return list(
        Proposal.objects.filter(challenge=challenge, status__in=COUNTED_STATUSES)
        .exclude(pk__in=covered)
        .order_by("code")
    )
