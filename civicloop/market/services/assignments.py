"""Evaluator assignment: the unit names who evaluates a challenge, or one of its proposals.

A challenge nobody was assigned to keeps the unit-wide rule (every evaluator of the unit may
declare and score); once it has an assignment, only the evaluators assigned see and score its
proposals (ADR 0017, `selectors._common.visible_proposals`). Each assignment and each removal is
an audit event; the assignment tells the evaluator (`notifications.rules.evaluation_assigned`,
which reads `evaluator_id`, `challenge_id` and `proposal_id` from the event's `after`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Membership, Person, Role
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    ConflictDeclaration,
    EvaluatorAssignment,
    Proposal,
)

# A challenge that is settled or cancelled needs no more evaluators.
CLOSED_STATUSES = (ChallengeStatus.AWARDED, ChallengeStatus.CANCELLED)


def _snapshot(assignment: EvaluatorAssignment) -> dict[str, object]:
    proposal = assignment.proposal
    return {
        "evaluator_id": assignment.evaluator_id,
        "challenge_id": assignment.challenge_id,
        "proposal_id": assignment.proposal_id,
        "proposal": proposal.code if proposal is not None else None,
    }


def _check_evaluator(challenge: Challenge, evaluator: Person) -> None:
    holds_role = Membership.objects.filter(
        person=evaluator, organization_id=challenge.unit_id, role=Role.EVALUATOR
    ).exists()
    if not holds_role or not evaluator.is_active:
        raise ValidationError(
            {"evaluator_id": _("Choose a person who holds the evaluator role in this unit.")}
        )


def _check_target(challenge: Challenge, evaluator: Person, proposal: Proposal | None) -> None:
    if challenge.status in CLOSED_STATUSES:
        raise ValidationError(
            {"challenge": _("Evaluators are assigned until the challenge is awarded or cancelled.")}
        )
    if proposal is not None and proposal.challenge_id != challenge.pk:
        raise ValidationError({"proposal_id": _("This proposal was not sent to this challenge.")})
    same = EvaluatorAssignment.objects.filter(
        challenge=challenge, evaluator=evaluator, proposal=proposal
    )
    if same.exists():
        raise ValidationError({"evaluator_id": _("This evaluator is already assigned here.")})
    if (
        proposal is not None
        and ConflictDeclaration.objects.filter(
            proposal=proposal, evaluator=evaluator, has_conflict=True
        ).exists()
    ):
        raise ValidationError(
            {
                "evaluator_id": _(
                    "This evaluator declared a conflict of interest with this proposal."
                )
            }
        )


@transaction.atomic
def evaluator_assign(
    *,
    actor: Principal,
    challenge: Challenge,
    evaluator: Person,
    proposal: Proposal | None = None,
) -> EvaluatorAssignment:
    """Assign an evaluator of the unit to the whole challenge or to one of its proposals."""
    require(actor, Ability.MANAGE_MARKET, challenge)
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _check_evaluator(challenge, evaluator)
    _check_target(challenge, evaluator, proposal)
    assignment = EvaluatorAssignment(
        challenge=challenge, proposal=proposal, evaluator=evaluator, assigned_by=actor.person
    )
    assignment.full_clean()
    assignment.save()
    audit_record(
        actor=actor,
        action=MarketEvent.EVALUATOR_ASSIGNED,
        obj=assignment,
        organization=challenge.unit_id,
        after=_snapshot(assignment),
    )
    return assignment


@transaction.atomic
def evaluator_unassign(*, actor: Principal, assignment: EvaluatorAssignment) -> None:
    """Remove an assignment. The evaluator's recorded scores stay (they are audited); from now
    on the evaluator no longer sees or scores what the assignment covered."""
    require(actor, Ability.MANAGE_MARKET, assignment.challenge)
    assignment = (
        EvaluatorAssignment.objects.select_for_update(of=("self",))
        .select_related("proposal")
        .get(pk=assignment.pk)
    )
    audit_record(
        actor=actor,
        action=MarketEvent.EVALUATOR_UNASSIGNED,
        obj=assignment,
        organization=assignment.challenge.unit_id,
        before=_snapshot(assignment),
    )
    assignment.delete()
