"""Evaluation: conflict-of-interest declarations and justified scores, after the deadline."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    ConflictDeclaration,
    Criterion,
    Proposal,
    Score,
)
from civicloop.market.selectors._common import check_assigned
from civicloop.market.selectors.evaluation import ranking
from civicloop.market.selectors.phases import rubric_for
from civicloop.market.services._common import MIN_JUSTIFICATION, after_deadline


@transaction.atomic
def conflict_declare(
    *, actor: Principal, proposal: Proposal, has_conflict: bool, note: str = ""
) -> ConflictDeclaration:
    """An evaluator declares, per proposal, whether they have a conflict of interest."""
    require(actor, Ability.EVALUATE_PROPOSALS, proposal.challenge.unit_id)
    if actor.person is None:
        raise PermissionError("Only a person can declare conflicts of interest.")
    check_assigned(actor, proposal)
    existing = ConflictDeclaration.objects.filter(proposal=proposal, evaluator=actor.person).first()
    if existing is not None and existing.has_conflict:
        raise Http404("Not found")
    if existing is not None:
        if has_conflict:
            existing.has_conflict = True
            existing.note = note.strip()
            existing.save()
            # Scores given before the conflict came to light no longer count.
            Score.objects.filter(proposal=proposal, evaluator=actor.person).delete()
        declaration = existing
    else:
        declaration = ConflictDeclaration.objects.create(
            proposal=proposal, evaluator=actor.person, has_conflict=has_conflict, note=note.strip()
        )
    audit_record(
        actor=actor,
        action=MarketEvent.CONFLICT_DECLARED,
        obj=declaration,
        organization=proposal.challenge.unit_id,
        after={"proposal": proposal.code, "has_conflict": declaration.has_conflict},
    )
    return declaration


@transaction.atomic
def score_record(
    *, actor: Principal, proposal: Proposal, criterion: Criterion, score: int, justification: str
) -> Score:
    """Score one criterion of one proposal, within the rubric and with a written justification."""
    proposal.challenge = Challenge.objects.get(pk=proposal.challenge_id)
    require(actor, Ability.EVALUATE_PROPOSALS, proposal.challenge.unit_id)
    if actor.person is None:
        raise PermissionError("Only a person can score proposals.")
    check_assigned(actor, proposal)
    declaration = ConflictDeclaration.objects.filter(
        proposal=proposal, evaluator=actor.person
    ).first()
    if declaration is not None and declaration.has_conflict:
        raise Http404("Not found")
    if declaration is None:
        raise ValidationError(
            {
                "declaration": _(
                    "Declare whether you have a conflict of interest with this proposal before "
                    "scoring it."
                )
            }
        )
    after_deadline(proposal.challenge)
    if proposal.challenge.status != ChallengeStatus.EVALUATION:
        raise ValidationError(
            {"challenge": _("Scores are recorded while the challenge is under evaluation.")}
        )
    _check_score(proposal, criterion, score, justification)
    existing = Score.objects.filter(
        proposal=proposal, evaluator=actor.person, criterion=criterion
    ).first()
    before = (
        {"score": existing.score, "justification": existing.justification} if existing else None
    )
    record, _created = Score.objects.update_or_create(
        proposal=proposal,
        evaluator=actor.person,
        criterion=criterion,
        defaults={"score": score, "justification": justification.strip()},
    )
    audit_record(
        actor=actor,
        action=MarketEvent.SCORE_RECORDED,
        obj=record,
        organization=proposal.challenge.unit_id,
        before=before,
        after={
            "proposal": proposal.code,
            "criterion_id": criterion.pk,
            "score": score,
            "justification": record.justification,
        },
    )
    return record


def _check_score(proposal: Proposal, criterion: Criterion, score: int, justification: str) -> None:
    """Within the proposal's rubric, a whole number on the criterion's scale, justified."""
    if criterion.pk not in {
        c.pk for c in rubric_for(challenge=proposal.challenge, phase=proposal.phase)
    }:
        raise ValidationError({"criterion": _("This criterion is not in the proposal's rubric.")})
    if (
        not isinstance(score, int)
        or isinstance(score, bool)
        or not 0 <= score <= criterion.max_score
    ):
        raise ValidationError(
            {
                "score": _(
                    "The score for '%(name)s' must be a whole number from 0 to %(max_score)s."
                )
                % {"name": criterion.name, "max_score": criterion.max_score}
            }
        )
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise ValidationError(
            {
                "justification": _("Justify the score in at least %(count)s characters.")
                % {"count": MIN_JUSTIFICATION}
            }
        )


@transaction.atomic
def ranking_export(*, actor: Principal, challenge: Challenge, fmt: str) -> list[dict[str, Any]]:
    """The ranking as export rows (vendor names masked exactly as on the page); audited."""
    require(actor, Ability.VIEW_MARKET, challenge)
    rows = ranking(viewer=actor, challenge=challenge)
    audit_record(
        actor=actor,
        action=MarketEvent.RANKING_EXPORTED,
        obj=challenge,
        organization=challenge.unit_id,
        metadata={"format": fmt, "rows": len(rows)},
    )
    return [
        {
            # A proposal without a weighted score is flagged, not ranked.
            "rank": i if r.weighted_score is not None else None,
            "code": r.code,
            "vendor": r.vendor_name,
            "phase": r.phase,
            "weighted_score": r.weighted_score,
            "flag": r.flag,
            "evaluators": r.evaluators,
            "status": r.status,
            **{f"mean: {k}": v for k, v in r.criterion_means.items()},
        }
        for i, r in enumerate(rows, start=1)
    ]
