"""Regulatory sandboxes: application, eligibility, the time-boxed test, reports, exit, learnings."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.models import Problem
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    Obstacle,
    Sandbox,
    SandboxLearning,
    SandboxReport,
    SandboxStatus,
)

# Sandboxes are time-boxed: at most 12 months, one extension of at most 6 months.
MAX_SANDBOX_DAYS = 366


MAX_EXTENSION_DAYS = 183


ELIGIBILITY_CRITERIA = ("in_scope", "genuine_innovation", "citizen_benefit", "readiness", "need")


def _sandbox_change(
    actor: Principal, sandbox: Sandbox, action: str, status: str, **fields: object
) -> Sandbox:
    """Move the sandbox to ``status`` with ``fields`` set, saved and audited (before, after)."""
    before = model_snapshot(sandbox)
    for name, value in fields.items():
        setattr(sandbox, name, value)
    sandbox.status = status
    sandbox.save()
    audit_record(
        actor=actor,
        action=action,
        obj=sandbox,
        organization=sandbox.unit_id,
        before=before,
        after=model_snapshot(sandbox),
    )
    return sandbox


@transaction.atomic
def sandbox_apply(
    *,
    actor: Principal,
    unit: Organization,
    title: str,
    public_summary: str,
    regulator: str,
    problem: Problem | None = None,
    published: bool = True,
) -> Sandbox:
    """Open a sandbox application."""
    require(actor, Ability.EDIT_SCALING, unit)
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the sandbox a title.")
    if not public_summary.strip():
        errors["public_summary"] = _("Write the public summary (no personal data).")
    if not regulator.strip():
        errors["regulator"] = _("Name the regulator or rule owner.")
    if problem is not None and problem.unit_id != unit.pk:
        errors["problem"] = _("The problem must belong to your unit.")
    if errors:
        raise ValidationError(errors)
    # The registry address is global, so the slug never depends on what other units have
    # (numbering '-2', '-3' told a unit that another had a sandbox of that title, even an
    # unpublished one): a random suffix, drawn again in the unlikely event it is taken.
    base = slugify(title)[:70] or "sandbox"
    slug = f"{base}-{secrets.token_hex(4)}"
    while Sandbox.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(4)}"
    row = Sandbox.objects.create(
        unit=unit,
        problem=problem,
        title=title.strip(),
        slug=slug,
        public_summary=public_summary.strip(),
        regulator=regulator,
        published=published,
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_APPLIED,
        obj=row,
        organization=unit,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def sandbox_decide_eligibility(
    *,
    actor: Principal,
    sandbox: Sandbox,
    answers: dict[str, bool],
    notes: dict[str, str],
) -> Sandbox:
    """Answer the five criteria, each with a justification; eligible only if all are met."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    if sandbox.status != SandboxStatus.APPLIED:
        raise ValidationError({"status": _("Eligibility is decided once, on an application.")})
    errors = {}
    for name in ELIGIBILITY_CRITERIA:
        if name not in answers:
            errors[name] = _("Answer this criterion.")
        elif not (notes.get(name) or "").strip():
            errors[name] = _("Justify the answer.")
    if errors:
        raise ValidationError(errors)
    eligible = all(answers[k] for k in ELIGIBILITY_CRITERIA)
    return _sandbox_change(
        actor,
        sandbox,
        ScalingEvent.SANDBOX_ELIGIBILITY_DECIDED,
        SandboxStatus.ELIGIBLE if eligible else SandboxStatus.REJECTED,
        eligibility_notes={k: notes[k].strip() for k in ELIGIBILITY_CRITERIA},
        **{name: bool(answers[name]) for name in ELIGIBILITY_CRITERIA},
    )


@transaction.atomic
def sandbox_start(
    *,
    actor: Principal,
    sandbox: Sandbox,
    rule_waived: str,
    relaxation: str,
    safeguards: str,
    participants: str,
    exit_criteria: str,
    starts_on: date,
    ends_on: date,
    participant_limit: int | None = None,
) -> Sandbox:
    """Agree the plan and start the time-boxed test."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    errors = {}
    if sandbox.status != SandboxStatus.ELIGIBLE:
        errors["status"] = _("Only an eligible application can start.")
    for name, value in (
        ("rule_waived", rule_waived),
        ("safeguards", safeguards),
        ("exit_criteria", exit_criteria),
        ("participants", participants),
    ):
        if not value.strip():
            errors[name] = _("The plan needs this.")
    if ends_on <= starts_on:
        errors["ends_on"] = _("The end must be after the start.")
    elif (ends_on - starts_on).days > MAX_SANDBOX_DAYS:
        errors["ends_on"] = _("A sandbox lasts at most 12 months (extend it later if needed).")
    if errors:
        raise ValidationError(errors)
    return _sandbox_change(
        actor,
        sandbox,
        ScalingEvent.SANDBOX_STARTED,
        SandboxStatus.ACTIVE,
        rule_waived=rule_waived,
        relaxation=relaxation,
        safeguards=safeguards,
        participants=participants,
        exit_criteria=exit_criteria,
        starts_on=starts_on,
        ends_on=ends_on,
        participant_limit=participant_limit,
    )


@transaction.atomic
def sandbox_extend(*, actor: Principal, sandbox: Sandbox, until: date, reason: str) -> Sandbox:
    """Extend an active sandbox once, by at most six months, giving the reason."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    errors = {}
    # Activation sets ends_on together with the ACTIVE status; it is read only when active.
    ends_on = cast(date, sandbox.ends_on)
    if sandbox.status != SandboxStatus.ACTIVE:
        errors["status"] = _("Only an active sandbox that was not extended can be extended.")
    elif until <= ends_on:
        errors["until"] = _("The extension must end after the current end date.")
    elif (until - ends_on) > timedelta(days=MAX_EXTENSION_DAYS):
        errors["until"] = _("An extension is at most six months.")
    if not reason.strip():
        errors["reason"] = _("Say why the extension is needed.")
    if errors:
        raise ValidationError(errors)
    return _sandbox_change(
        actor,
        sandbox,
        ScalingEvent.SANDBOX_EXTENDED,
        SandboxStatus.EXTENDED,
        extended_until=until,
        extension_reason=reason.strip(),
    )


@transaction.atomic
def sandbox_report_add(
    *,
    actor: Principal,
    sandbox: Sandbox,
    period_end: date,
    participants: int,
    incidents: int,
    safeguards_held: bool,
    summary: str,
) -> SandboxReport:
    """A monitoring report (aggregate counts only) while the test runs."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    if sandbox.status not in (SandboxStatus.ACTIVE, SandboxStatus.EXTENDED):
        raise ValidationError({"status": _("Monitoring reports are for a running sandbox.")})
    if not summary.strip():
        raise ValidationError({"summary": _("Summarise the period.")})
    if sandbox.participant_limit is not None and participants > sandbox.participant_limit:
        raise ValidationError({"participants": _("More participants than the plan allows.")})
    row = SandboxReport.objects.create(
        sandbox=sandbox,
        period_end=period_end,
        participants=participants,
        incidents=incidents,
        safeguards_held=safeguards_held,
        summary=summary.strip(),
    )
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_REPORTED,
        obj=row,
        organization=sandbox.unit_id,
        after=model_snapshot(row),
    )
    return row


@transaction.atomic
def sandbox_exit(
    *, actor: Principal, sandbox: Sandbox, exit_report: str, exited_on: date
) -> Sandbox:
    """Close the test with its exit report."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    if sandbox.status not in (SandboxStatus.ACTIVE, SandboxStatus.EXTENDED):
        raise ValidationError({"status": _("Only a running sandbox can exit.")})
    if not exit_report.strip():
        raise ValidationError({"exit_report": _("Write the exit report.")})
    return _sandbox_change(
        actor,
        sandbox,
        ScalingEvent.SANDBOX_EXITED,
        SandboxStatus.EXITED,
        exit_report=exit_report.strip(),
        exited_on=exited_on,
    )


@transaction.atomic
def sandbox_learning_add(
    *,
    actor: Principal,
    sandbox: Sandbox,
    learning: str,
    recommendation: str = "",
    obstacles: list[Obstacle] | None = None,
) -> SandboxLearning:
    """A regulatory learning, linked to the obstacles it addresses."""
    require(actor, Ability.EDIT_SCALING, sandbox)
    if not learning.strip():
        raise ValidationError({"learning": _("Describe what was learnt.")})
    obstacles = obstacles or []
    if any(o.unit_id != sandbox.unit_id for o in obstacles):
        raise ValidationError({"obstacles": _("Link only your unit's obstacles.")})
    row = SandboxLearning.objects.create(
        sandbox=sandbox, learning=learning.strip(), recommendation=recommendation
    )
    row.obstacles.set(obstacles)
    audit_record(
        actor=actor,
        action=ScalingEvent.SANDBOX_LEARNING_ADDED,
        obj=row,
        organization=sandbox.unit_id,
        after={**model_snapshot(row), "obstacles": [o.pk for o in obstacles]},
    )
    return row
