"""Challenges: the statement, its changes (logged once public), its status, re-publication."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.core.timezones import format_datetime
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    ChangeLogEntry,
    Proposal,
    ProposalStatus,
)
from civicloop.market.selectors.phases import rubric_for
from civicloop.market.services._common import (
    EDITABLE_FIELDS,
    RICH_TEXT_FIELDS,
    currency_code,
    sanitise_html,
)
from civicloop.market.services._notices import cancellation_notices, send_notices
from civicloop.market.services.phases import CriterionSpec, criteria_set, phase_set
from civicloop.portfolio.models import Problem

logger = logging.getLogger(__name__)


@transaction.atomic
def challenge_create(
    *,
    actor: Principal,
    unit: Organization,
    title: str,
    context: str,
    users_affected: str = "",
    outcomes_sought: str = "",
    constraints: str = "",
    data_available: str = "",
    eligibility: str = "",
    ip_terms: str = "",
    timeline: str = "",
    summary: str = "",
    currency: str = "EUR",
    problem: Problem | None = None,
    anonymous_evaluation: bool = False,
    consultation_closes_at: datetime | None = None,
    submission_deadline: datetime | None = None,
) -> Challenge:
    """Draft a challenge statement (the problem, not a solution)."""
    require(actor, Ability.MANAGE_MARKET, unit.pk)
    _check_statement(unit.pk, {"title": title, "context": context, "problem": problem})
    challenge = Challenge(
        unit=unit,
        problem=problem,
        title=title.strip(),
        summary=summary.strip()[:500],
        currency=currency_code(currency),
        anonymous_evaluation=anonymous_evaluation,
        consultation_closes_at=consultation_closes_at,
        submission_deadline=submission_deadline,
        created_by=actor.person,
    )
    values = {
        "context": context,
        "users_affected": users_affected,
        "outcomes_sought": outcomes_sought,
        "constraints": constraints,
        "data_available": data_available,
        "eligibility": eligibility,
        "ip_terms": ip_terms,
        "timeline": timeline,
    }
    for name, value in values.items():
        setattr(challenge, name, sanitise_html(value))
    challenge.save()
    audit_record(
        actor=actor,
        action=MarketEvent.CHALLENGE_CREATED,
        obj=challenge,
        organization=unit,
        after=model_snapshot(challenge),
    )
    return challenge


def _check_statement(unit_id: int, values: dict[str, Any]) -> None:
    """Title, context and problem of a challenge, as drafted or as changed."""
    if "title" in values and len((values["title"] or "").strip()) < 5:
        raise ValidationError(
            {"title": gettext("Give the challenge a title of at least 5 characters.")}
        )
    if "context" in values and not nh3.clean(values["context"] or "", tags=set()).strip():
        raise ValidationError({"context": gettext("Describe the context of the problem.")})
    problem = values.get("problem")
    if problem is not None and problem.unit_id != unit_id:
        raise ValidationError({"problem": gettext("The problem belongs to another unit.")})


def _check_deadline_change(challenge: Challenge, new: datetime | None, now: datetime) -> None:
    """The deadline rule of a published call (ADR 0007): it moves only later, never after it
    passed, and never below the latest deadline ever published."""
    if not challenge.is_public:
        return
    lifts = challenge.seal_lifts_at
    # In consultation no proposal can exist yet, so a lapsed date may still be moved (later).
    if lifts is not None and now >= lifts and challenge.status != ChallengeStatus.CONSULTATION:
        raise ValidationError(
            {
                "submission_deadline": gettext(
                    "The submission deadline has passed; it can no longer change "
                    "(proposals may already have been opened)."
                )
            }
        )
    if new is None:
        raise ValidationError(
            {"submission_deadline": gettext("A published call's deadline cannot be removed.")}
        )
    if new <= now:
        raise ValidationError(
            {"submission_deadline": gettext("The deadline must stay in the future.")}
        )
    if lifts is not None and new < lifts:
        raise ValidationError(
            {
                "submission_deadline": gettext(
                    "A published deadline can only move later (it is %(deadline)s). For an "
                    "earlier date, cancel the call (its proposals are voided unopened) and "
                    "re-publish it."
                )
                % {"deadline": format_datetime(lifts)}
            }
        )


def _raise_seal(challenge: Challenge) -> None:
    """Keep the high-water mark: the latest deadline ever published, never lower."""
    if challenge.is_public and challenge.submission_deadline is not None:
        challenge.sealed_until = max(
            d for d in (challenge.sealed_until, challenge.submission_deadline) if d is not None
        )


@transaction.atomic
def challenge_update(
    *, actor: Principal, challenge: Challenge, reason: str = "", **changes
) -> Challenge:
    """Change a challenge; once public, every change is logged with the reason (consultation)."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    # Lock the row and work from what is stored (the caller's copy may be stale).
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    challenge.refresh_from_db()
    _check_changes(challenge, changes)
    before = model_snapshot(challenge)
    changed = _apply_changes(challenge, changes)
    if not changed:
        return challenge
    if challenge.is_public:
        _log_public_changes(actor, challenge, changed, reason)
    _raise_seal(challenge)
    challenge.save()
    audit_record(
        actor=actor,
        action=MarketEvent.CHALLENGE_UPDATED,
        obj=challenge,
        organization=challenge.unit_id,
        before=before,
        after=model_snapshot(challenge),
        metadata={"reason": reason.strip()},
    )
    return challenge


def _check_changes(challenge: Challenge, changes: dict[str, Any]) -> None:
    """What may change, and how: nothing after the deadline, the promise of anonymity never
    once published, the deadline only by its rule."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    if challenge.status in (
        ChallengeStatus.EVALUATION,
        ChallengeStatus.AWARDED,
        ChallengeStatus.CANCELLED,
    ):
        raise ValidationError({"status": gettext("A challenge cannot change after its deadline.")})
    _check_statement(challenge.unit_id, changes)
    if (
        challenge.is_public
        and "anonymous_evaluation" in changes
        and bool(changes["anonymous_evaluation"]) != challenge.anonymous_evaluation
    ):
        raise ValidationError(
            {
                "anonymous_evaluation": gettext(
                    "Anonymous evaluation is fixed once the challenge is published "
                    "(vendors bid on that promise)."
                )
            }
        )
    if (
        "submission_deadline" in changes
        and changes["submission_deadline"] != challenge.submission_deadline
    ):
        _check_deadline_change(challenge, changes["submission_deadline"], timezone.now())


def _apply_changes(challenge: Challenge, changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Set the changed values; (field, before, after) of each that really changed."""
    changed: list[tuple[str, str, str]] = []
    for name, value in changes.items():
        if name in RICH_TEXT_FIELDS:
            value = sanitise_html(value)
        old = getattr(challenge, name)
        if old != value:
            changed.append((name, str(old if old is not None else ""), str(value or "")))
            setattr(challenge, name, value)
    return changed


def _log_public_changes(
    actor: Principal, challenge: Challenge, changed: list[tuple[str, str, str]], reason: str
) -> None:
    """A published challenge changes only with a reason, and each change is shown publicly."""
    if len(reason.strip()) < 10:
        raise ValidationError(
            {
                "reason": gettext(
                    "A published challenge changes only with a reason "
                    "of at least 10 characters (it is shown publicly)."
                )
            }
        )
    for name, old, new in changed:
        ChangeLogEntry.objects.create(
            challenge=challenge,
            field=name,
            before=old,
            after=new,
            reason=reason.strip(),
            changed_by=actor.person,
        )


ALLOWED_MOVES: dict[str, set[str]] = {
    ChallengeStatus.DRAFT: {
        ChallengeStatus.CONSULTATION,
        ChallengeStatus.OPEN,
        ChallengeStatus.CANCELLED,
    },
    ChallengeStatus.CONSULTATION: {ChallengeStatus.OPEN, ChallengeStatus.CANCELLED},
    ChallengeStatus.OPEN: {ChallengeStatus.EVALUATION, ChallengeStatus.CANCELLED},
    ChallengeStatus.EVALUATION: {ChallengeStatus.CANCELLED},
}


def next_statuses(status: str) -> list[str]:
    """The statuses a challenge in `status` may be moved to by hand (`challenge_move`), in the
    order of the call's life. "Awarded" is never one: awards settle it."""
    allowed = ALLOWED_MOVES.get(status, set())
    return [s for s in ChallengeStatus.values if s in allowed]


@transaction.atomic
def challenge_move(
    *, actor: Principal, challenge: Challenge, to_status: str, reason: str = ""
) -> Challenge:
    """Publish for consultation, open the call, close it for evaluation, or cancel."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    challenge.refresh_from_db()
    now = timezone.now()
    _check_move(challenge, to_status, reason, now)
    cancelling = to_status == ChallengeStatus.CANCELLED
    before = challenge.status
    was_public = challenge.is_public
    challenge.status = to_status
    if challenge.published_at is None and to_status in (
        ChallengeStatus.CONSULTATION,
        ChallengeStatus.OPEN,
    ):
        challenge.published_at = now
    _raise_seal(challenge)
    voided: list[Proposal] = []
    if cancelling:
        voided = _void_proposals(actor, challenge, before, was_public, reason, now)
    challenge.save(
        update_fields=["status", "published_at", "sealed_until", "cancelled_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=MarketEvent.CHALLENGE_STATUS_CHANGED,
        obj=challenge,
        organization=challenge.unit_id,
        before={"status": before},
        after={"status": to_status},
        metadata={"reason": reason.strip(), "voided": [p.code for p in voided]}
        if cancelling
        else None,
    )
    if voided:
        notices = cancellation_notices(challenge, voided, reason.strip())
        transaction.on_commit(lambda: send_notices(notices))
    return challenge


def _check_move(challenge: Challenge, to_status: str, reason: str, now: datetime) -> None:
    """The moves a challenge may make, each with what it needs first."""
    if to_status not in ALLOWED_MOVES.get(challenge.status, set()):
        raise ValidationError(
            {
                "status": _("A challenge in status “%(status)s” cannot move to “%(to_status)s”.")
                % {
                    "status": challenge.get_status_display(),
                    "to_status": dict(ChallengeStatus.choices).get(to_status, to_status),
                }
            }
        )
    if to_status in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN):
        phases = list(challenge.phases.all())
        if not phases:
            raise ValidationError({"phases": _("Define at least one phase with its budget first.")})
        for phase in phases:
            if not rubric_for(challenge=challenge, phase=phase):
                raise ValidationError({"criteria": _("Define weighted evaluation criteria first.")})
    if to_status == ChallengeStatus.OPEN and (
        challenge.submission_deadline is None or challenge.submission_deadline <= now
    ):
        raise ValidationError(
            {
                "submission_deadline": _(
                    "Set a submission deadline in the future before opening the call."
                )
            }
        )
    if to_status == ChallengeStatus.EVALUATION and not challenge.seal_lifted(now):
        raise ValidationError(
            {"status": gettext("Evaluation starts only after the submission deadline.")}
        )
    if to_status == ChallengeStatus.CANCELLED and challenge.is_public and len(reason.strip()) < 10:
        raise ValidationError(
            {
                "reason": gettext(
                    "Cancelling a published call needs a reason of at least 10 characters "
                    "(it is shown publicly and sent to every bidder)."
                )
            }
        )


def _void_proposals(
    actor: Principal,
    challenge: Challenge,
    before: str,
    was_public: bool,
    reason: str,
    now: datetime,
) -> list[Proposal]:
    """Cancelling voids every submitted proposal unopened; a public call logs why."""
    challenge.cancelled_at = now
    voided = list(
        Proposal.objects.filter(
            challenge=challenge, status=ProposalStatus.SUBMITTED
        ).select_related("vendor")
    )
    Proposal.objects.filter(pk__in=[p.pk for p in voided]).update(
        status=ProposalStatus.VOIDED, updated_at=now
    )
    if was_public:
        ChangeLogEntry.objects.create(
            challenge=challenge,
            field="status",
            before=before,
            after=ChallengeStatus.CANCELLED,
            reason=reason.strip(),
            changed_by=actor.person,
        )
    return voided


@transaction.atomic
def challenge_republish(
    *, actor: Principal, challenge: Challenge, submission_deadline: datetime | None = None
) -> Challenge:
    """A cancelled call as a new draft (same statement, phases and criteria, a new deadline)."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    # Locked, so two clicks (or two staff) cannot each make a new call from the same one.
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    if challenge.status != ChallengeStatus.CANCELLED:
        raise ValidationError(
            {"status": gettext("Only a cancelled call can be re-published as a new one.")}
        )
    if challenge.changes.filter(field="republished_as").exists():
        raise ValidationError(
            {"status": gettext("This call has already been re-published as a new one.")}
        )
    copy = challenge_create(
        actor=actor,
        unit=challenge.unit,
        title=challenge.title,
        context=challenge.context,
        users_affected=challenge.users_affected,
        outcomes_sought=challenge.outcomes_sought,
        constraints=challenge.constraints,
        data_available=challenge.data_available,
        eligibility=challenge.eligibility,
        ip_terms=challenge.ip_terms,
        timeline=challenge.timeline,
        summary=challenge.summary,
        currency=challenge.currency,
        problem=challenge.problem,
        anonymous_evaluation=challenge.anonymous_evaluation,
        submission_deadline=submission_deadline,
    )
    _copy_phases_and_criteria(actor, challenge, copy)
    ChangeLogEntry.objects.create(
        challenge=challenge,
        field="republished_as",
        before="",
        after=str(copy.pk),
        reason=gettext("Re-published as a new call."),
        changed_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=MarketEvent.CHALLENGE_REPUBLISHED,
        obj=copy,
        organization=challenge.unit_id,
        metadata={"cancelled_challenge": challenge.pk},
    )
    return copy


def _copy_phases_and_criteria(actor: Principal, source: Challenge, copy: Challenge) -> None:
    """The phases and criteria of `source` on `copy`, through the services that check them."""
    phases = {
        phase.pk: phase_set(
            actor=actor,
            challenge=copy,
            kind=phase.kind,
            budget=phase.budget,
            awards_count=phase.awards_count,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
        )
        for phase in source.phases.all()
    }
    rubrics: dict[int | None, list[CriterionSpec]] = {}
    for criterion in source.criteria.order_by("pk"):
        rubrics.setdefault(criterion.phase_id, []).append(
            CriterionSpec(
                name=criterion.name,
                weight=criterion.weight,
                max_score=criterion.max_score,
                description=criterion.description,
            )
        )
    for phase_id, specs in rubrics.items():
        phase = phases[phase_id] if phase_id is not None else None
        criteria_set(actor=actor, challenge=copy, criteria=specs, phase=phase)
