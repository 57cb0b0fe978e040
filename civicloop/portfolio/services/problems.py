"""Problems: framing, stage gates and the target groups they affect."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.events import PortfolioEvent
from civicloop.portfolio.models import (
    CLOSED_STAGES,
    STAGE_ORDER,
    Facet,
    Problem,
    Stage,
    StageTransition,
    Tag,
    TargetGroup,
)

PROBLEM_FIELDS = [
    "title",
    "statement",
    "causes",
    "facet",
    "sdg_target",
    "impact",
    "reach",
    "urgency",
    "effort",
]


def validated(instance: Any, exclude: list[str] | None = None) -> None:
    """Run the model's field, uniqueness and constraint checks (errors name the field)."""
    instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)


def _tags_for(unit: Organization, names: list[str]) -> list[Tag]:
    tags = []
    for name in {n.strip().lower() for n in names if n and n.strip()}:
        if len(name) > 60:
            raise ValidationError({"tags": _("A tag is at most 60 characters.")})
        tag, _created = Tag.objects.get_or_create(unit=unit, name=name)
        tags.append(tag)
    return tags


def _check_owner_agency(owner_agency: Organization, unit_id: int) -> None:
    if owner_agency.kind != OrganizationKind.AGENCY or owner_agency.unit_id != unit_id:
        raise ValidationError(
            {"owner_agency": _("The owning agency must be an agency this unit works with.")}
        )


def _check_target_groups(unit: Organization, groups: list[TargetGroup]) -> None:
    if any(g.unit_id != unit.pk for g in groups):
        raise ValidationError({"target_groups": _("Target groups must belong to the same unit.")})


def _record_first_gate(actor: Principal, problem: Problem) -> None:
    StageTransition.objects.create(
        problem=problem,
        from_stage="",
        to_stage=Stage.IDENTIFIED,
        decided_by=actor.person,
        decided_by_label=actor.label,
        decided_at=timezone.now(),
        rationale="Problem recorded",
    )


@transaction.atomic
def problem_create(
    *,
    actor: Principal,
    unit: Organization,
    owner_agency: Organization,
    title: str,
    statement: str,
    facet: str,
    causes: str = "",
    sdg_target: str = "",
    target_groups: list[TargetGroup] | None = None,
    tags: list[str] | None = None,
    impact: int = 3,
    reach: int = 3,
    urgency: int = 3,
    effort: int = 3,
) -> Problem:
    """Frame a new problem in a unit's portfolio, at the first stage gate."""
    require(actor, Ability.EDIT_PORTFOLIO, unit)
    _check_owner_agency(owner_agency, unit.pk)
    if facet not in Facet.values:
        raise ValidationError(
            {"facet": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Facet.values)}}
        )
    problem = Problem(
        unit=unit,
        owner_agency=owner_agency,
        title=title.strip(),
        statement=statement.strip(),
        causes=causes.strip(),
        facet=facet,
        sdg_target=sdg_target.strip(),
        impact=impact,
        reach=reach,
        urgency=urgency,
        effort=effort,
        stage=Stage.IDENTIFIED,
        created_by=actor.person,
    )
    validated(problem)
    problem.save()
    _check_target_groups(unit, target_groups or [])
    problem.target_groups.set(target_groups or [])
    problem.tags.set(_tags_for(unit, tags or []))
    _record_first_gate(actor, problem)
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_CREATED,
        obj=problem,
        organization=unit,
        after=model_snapshot(problem, PROBLEM_FIELDS + ["stage"]),
    )
    return problem


@transaction.atomic
def problem_update(
    *,
    actor: Principal,
    problem: Problem,
    target_groups: list[TargetGroup] | None = None,
    tags: list[str] | None = None,
    owner_agency: Organization | None = None,
    **changes: Any,
) -> Problem:
    """Change a problem's framing; the stage changes only through `problem_move_stage`."""
    require(actor, Ability.EDIT_PORTFOLIO, problem)
    unknown = set(changes) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    before = model_snapshot(problem, PROBLEM_FIELDS + ["owner_agency"])
    for name, value in changes.items():
        setattr(problem, name, value.strip() if isinstance(value, str) else value)
    if owner_agency is not None:
        _check_owner_agency(owner_agency, problem.unit_id)
        problem.owner_agency = owner_agency
    validated(problem)
    problem.save()
    if target_groups is not None:
        _check_target_groups(problem.unit, target_groups)
        problem.target_groups.set(target_groups)
    if tags is not None:
        problem.tags.set(_tags_for(problem.unit, tags))
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_UPDATED,
        obj=problem,
        organization=problem.unit_id,
        before=before,
        after=model_snapshot(problem, PROBLEM_FIELDS + ["owner_agency"]),
    )
    return problem


def stage_move_skips(from_stage: str, to_stage: str) -> bool:
    """Does moving from one stage to another jump over a gate (forwards by more than one)?"""
    if to_stage in CLOSED_STAGES or from_stage in CLOSED_STAGES:
        return False
    return STAGE_ORDER.index(Stage(to_stage)) - STAGE_ORDER.index(Stage(from_stage)) > 1


@transaction.atomic
def problem_move_stage(
    *, actor: Principal, problem: Problem, to_stage: str, rationale: str = ""
) -> StageTransition:
    """Pass (or go back through) a stage gate; skipping a gate needs a written reason."""
    require(actor, Ability.MOVE_STAGE, problem)
    if to_stage not in Stage.values:
        raise ValidationError(
            {
                "to_stage": _("Unknown stage; choose one of: %(choices)s.")
                % {"choices": ", ".join(Stage.values)}
            }
        )
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    if to_stage == problem.stage:
        raise ValidationError({"to_stage": _("The problem is already at this stage.")})
    rationale = rationale.strip()
    if problem.stage in CLOSED_STAGES and not rationale:
        raise ValidationError(
            {"rationale": _("Reopening a closed problem needs a written reason.")}
        )
    skipped = stage_move_skips(problem.stage, to_stage)
    if skipped and not rationale:
        raise ValidationError({"rationale": _("This move skips a stage gate: write why.")})
    if to_stage in CLOSED_STAGES and not rationale:
        raise ValidationError({"rationale": _("Closing a problem needs a written reason.")})
    transition = StageTransition.objects.create(
        problem=problem,
        from_stage=problem.stage,
        to_stage=to_stage,
        decided_by=actor.person,
        decided_by_label=actor.label,
        decided_at=timezone.now(),
        rationale=rationale,
        skipped_gates=skipped,
    )
    before = problem.stage
    problem.stage = to_stage
    problem.save(update_fields=["stage", "updated_at"])
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_STAGE_MOVED,
        obj=problem,
        organization=problem.unit_id,
        before={"stage": before},
        after={"stage": to_stage, "rationale": rationale, "skipped_gates": skipped},
    )
    return transition


@transaction.atomic
def target_group_create(
    *,
    actor: Principal,
    unit: Organization,
    name: str,
    estimated_size: int | None = None,
    description: str = "",
    how_reached: str = "",
) -> TargetGroup:
    """Describe a social group the unit's problems affect."""
    require(actor, Ability.EDIT_PORTFOLIO, unit)
    group = TargetGroup(
        unit=unit,
        name=name.strip(),
        estimated_size=estimated_size,
        description=description.strip(),
        how_reached=how_reached.strip(),
    )
    validated(group)
    group.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.TARGET_GROUP_CREATED,
        obj=group,
        organization=unit,
        after=model_snapshot(group),
    )
    return group


def portfolio_export(*, actor: Principal, problems: list[Problem], fmt: str) -> list[dict]:
    """The rows of a portfolio export (CSV or JSON), recorded in the audit log.

    `problems` come from `selectors.problem_list`, which attaches `priority_score` and
    `off_track` to each problem at run time.
    """
    for problem in problems:
        require(actor, Ability.VIEW_PORTFOLIO, problem)
    audit_record(
        actor=actor,
        action=PortfolioEvent.PORTFOLIO_EXPORTED,
        metadata={"format": fmt, "rows": len(problems)},
    )
    return [
        {
            "id": p.pk,
            "title": p.title,
            "stage": p.stage,
            "facet": p.facet,
            "owner_agency": p.owner_agency.name,
            "target_groups": "; ".join(t.name for t in p.target_groups.all()),
            "tags": "; ".join(t.name for t in p.tags.all()),
            "priority_score": p.priority_score,  # type: ignore[attr-defined]
            "off_track": p.off_track,  # type: ignore[attr-defined]
            "impact": p.impact,
            "reach": p.reach,
            "urgency": p.urgency,
            "effort": p.effort,
            "updated_at": p.updated_at.isoformat(),
        }
        for p in problems
    ]
