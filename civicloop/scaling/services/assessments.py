"""Scalability assessments (ISAT): open one, and rate its domains."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Person
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    AssessmentScore,
    Domain,
    ScalabilityAssessment,
)
from civicloop.scaling.services._common import rating_check


@transaction.atomic
def assessment_create(
    *, actor: Principal, problem: Problem, title: str, scope: str = ""
) -> ScalabilityAssessment:
    """Open an ISAT assessment of a problem's intervention."""
    require(actor, Ability.EDIT_SCALING, problem)
    if not title.strip():
        raise ValidationError({"title": _("Give the assessment a title.")})
    row = ScalabilityAssessment.objects.create(
        problem=problem, title=title.strip(), scope=scope, created_by=actor.person
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.ASSESSMENT_CREATED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def assessment_score(
    *,
    actor: Principal,
    assessment: ScalabilityAssessment,
    assessor: Person,
    domain: str,
    score: int,
    evidence: str,
    notes: str = "",
) -> AssessmentScore:
    """Record (or revise) one assessor's rating of one domain, with the evidence for it."""
    require(actor, Ability.ASSESS_SCALABILITY, assessment.problem)
    errors: dict[str, str] = {}
    if domain not in Domain.values:
        errors["domain"] = _("Domain must be one of: %(choices)s.") % {
            "choices": ", ".join(Domain.values)
        }
    rating_check(errors, "score", score)
    if not evidence.strip():
        errors["evidence"] = _("Cite the evidence behind the rating.")
    if errors:
        raise ValidationError(errors)
    existing = AssessmentScore.objects.filter(
        assessment=assessment, assessor=assessor, domain=domain
    ).first()
    before = model_snapshot(existing) if existing else None
    row, _created = AssessmentScore.objects.update_or_create(
        assessment=assessment,
        assessor=assessor,
        domain=domain,
        defaults={"score": score, "evidence": evidence.strip(), "notes": notes},
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.ASSESSMENT_SCORED,
        obj=row,
        organization=assessment.problem.unit_id,
        before=before,
        after=model_snapshot(row),
    )
    return row
