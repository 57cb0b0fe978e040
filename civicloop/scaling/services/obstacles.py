"""The obstacle register: obstacles to scaling, who owns them and their mitigation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, Person
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    Obstacle,
    ObstacleKind,
    ObstacleStatus,
    Sandbox,
)
from civicloop.scaling.services._common import rating_check


def _obstacle_errors(kind: str, title: str, severity: int, likelihood: int, status: str) -> dict:
    errors: dict[str, str] = {}
    if kind not in ObstacleKind.values:
        errors["kind"] = _("Kind must be one of: %(choices)s.") % {
            "choices": ", ".join(ObstacleKind.values)
        }
    if status not in ObstacleStatus.values:
        errors["status"] = _("Status must be one of: %(choices)s.") % {
            "choices": ", ".join(ObstacleStatus.values)
        }
    if not title.strip():
        errors["title"] = _("Name the obstacle.")
    rating_check(errors, "severity", severity)
    rating_check(errors, "likelihood", likelihood)
    return errors


@transaction.atomic
def obstacle_create(
    *,
    actor: Principal,
    problem: Problem,
    kind: str,
    title: str,
    severity: int,
    likelihood: int,
    description: str = "",
    owner: Person | None = None,
    owner_label: str = "",
    mitigation: str = "",
    status: str = ObstacleStatus.OPEN,
    due_date: date | None = None,
    service=None,
    jurisdiction: Organization | None = None,
    sandbox: Sandbox | None = None,
    proposed_rule_change: str = "",
) -> Obstacle:
    """Register an obstacle to scaling, with who owns it and how it will be mitigated."""
    require(actor, Ability.EDIT_SCALING, problem)
    errors = _obstacle_errors(kind, title, severity, likelihood, status)
    if jurisdiction is not None and jurisdiction.unit_id != problem.unit_id:
        errors["jurisdiction"] = _("The jurisdiction must be one your unit works with.")
    if sandbox is not None and sandbox.unit_id != problem.unit_id:
        errors["sandbox"] = _("The sandbox must belong to your unit.")
    if service is not None and service.unit_id != problem.unit_id:
        errors["service"] = _("The service must belong to your unit.")
    if errors:
        raise ValidationError(errors)
    row = Obstacle.objects.create(
        unit_id=problem.unit_id,
        problem=problem,
        kind=kind,
        title=title.strip(),
        severity=severity,
        likelihood=likelihood,
        description=description,
        owner=owner,
        owner_label=owner_label,
        mitigation=mitigation,
        status=status,
        due_date=due_date,
        service=service,
        jurisdiction=jurisdiction,
        sandbox=sandbox,
        proposed_rule_change=proposed_rule_change,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.OBSTACLE_CREATED,
        obj=row,
        organization=problem.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def obstacle_update(*, actor: Principal, obstacle: Obstacle, **changes) -> Obstacle:
    """Change status, mitigation, owner, due date or ratings of an obstacle."""
    require(actor, Ability.EDIT_SCALING, obstacle)
    allowed = {
        "status",
        "mitigation",
        "owner_label",
        "due_date",
        "severity",
        "likelihood",
        "description",
        "proposed_rule_change",
        "sandbox",
        "title",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed here.")})
    before = model_snapshot(obstacle)
    for name, value in changes.items():
        setattr(obstacle, name, value)
    errors = _obstacle_errors(
        obstacle.kind, obstacle.title, obstacle.severity, obstacle.likelihood, obstacle.status
    )
    if errors:
        raise ValidationError(errors)
    obstacle.save()
    audit_record(
        actor=actor,
        action=ScalingEvent.OBSTACLE_UPDATED,
        obj=obstacle,
        organization=obstacle.unit_id,
        before=before,
        after=model_snapshot(obstacle),
    )
    return obstacle


@transaction.atomic
def obstacle_owner_labels_erase(*, person: Person, names: set[str], pseudonym: str) -> int:
    """Erasure of a person: obstacle owner labels that name them now show the pseudonym.

    Recorded by the person's erasure event, which the caller writes."""
    rows = Obstacle.objects.filter(owner=person).exclude(owner_label="")
    count = 0
    for row in rows:
        if row.owner_label.strip().lower() in {n.strip().lower() for n in names if n}:
            row.owner_label = pseudonym
            row.save(update_fields=["owner_label", "updated_at"])
            count += 1
    return count


@transaction.atomic
def obstacle_export(
    *, actor: Principal, obstacles: Sequence[Obstacle], fmt: str, today: date | None = None
) -> list[dict[str, Any]]:
    """The rows of an export of the obstacle register (CSV or JSON), recorded in the audit log."""
    for problem in {o.problem for o in obstacles}:
        require(actor, Ability.VIEW_PORTFOLIO, problem)
    today = today or timezone.localdate()
    audit_record(
        actor=actor,
        action=ScalingEvent.OBSTACLES_EXPORTED,
        metadata={"format": fmt, "rows": len(obstacles)},
    )
    return [
        {
            "id": o.pk,
            "problem": o.problem.title,
            "kind": o.kind,
            "title": o.title,
            "severity": o.severity,
            "likelihood": o.likelihood,
            "status": o.status,
            "owner": o.owner_name,
            "due_date": o.due_date,
            "mitigation": o.mitigation,
            "jurisdiction": o.jurisdiction.name if o.jurisdiction else "",
            "sandbox": o.sandbox.title if o.sandbox else "",
            "overdue": o.is_overdue(today),
        }
        for o in obstacles
    ]
