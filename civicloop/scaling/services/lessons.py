"""The lessons archive (failures included)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    Lesson,
    LessonOutcome,
)


@transaction.atomic
def lesson_record(
    *,
    actor: Principal,
    unit: Organization,
    title: str,
    what_we_learnt: str,
    outcome: str,
    problem: Problem | None = None,
    iteration_label: str = "",
    context: str = "",
    tags: str = "",
) -> Lesson:
    """Add a lesson (including failures) to the archive."""
    require(actor, Ability.EDIT_SCALING, unit)
    errors = {}
    if outcome not in LessonOutcome.values:
        errors["outcome"] = _("Outcome must be one of: %(choices)s.") % {
            "choices": ", ".join(LessonOutcome.values)
        }
    if not title.strip():
        errors["title"] = _("Give the lesson a title.")
    if not what_we_learnt.strip():
        errors["what_we_learnt"] = _("Say what was learnt.")
    if problem is not None and problem.unit_id != unit.pk:
        errors["problem"] = _("The problem must belong to your unit.")
    if errors:
        raise ValidationError(errors)
    row = Lesson.objects.create(
        unit=unit,
        problem=problem,
        title=title.strip(),
        what_we_learnt=what_we_learnt.strip(),
        outcome=outcome,
        iteration_label=iteration_label,
        context=context,
        tags=tags.lower(),
        created_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.LESSON_RECORDED,
        obj=row,
        organization=unit,
        after=model_snapshot(row),
    )
    return row
