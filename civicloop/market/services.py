"""Every write of the market: one atomic function per use case, each an audit event."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Membership, Organization, OrganizationKind, Role, SmeSize
from civicloop.core.permissions import Ability, Principal, can
from civicloop.market import scrub, sealing, uploads
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    PHASE_ORDER,
    Award,
    Challenge,
    ChallengeStatus,
    ChangeLogEntry,
    ConflictDeclaration,
    Contract,
    Criterion,
    Feedback,
    Invitation,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Payment,
    Phase,
    Proposal,
    ProposalFile,
    ProposalStatus,
    Question,
    RfiResponse,
    Score,
    SealedContent,
    VendorProfile,
    VendorVerification,
)
from civicloop.portfolio.models import Problem

logger = logging.getLogger(__name__)

RICH_TEXT_FIELDS = (
    "context",
    "users_affected",
    "outcomes_sought",
    "constraints",
    "data_available",
    "eligibility",
    "ip_terms",
    "timeline",
)
EDITABLE_FIELDS = (
    "title",
    "summary",
    *RICH_TEXT_FIELDS,
    "anonymous_evaluation",
    "consultation_closes_at",
    "submission_deadline",
    "problem",
)
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
MIN_JUSTIFICATION = 20


def sanitise_html(text: str) -> str:
    """Keep a small set of formatting tags; scripts, handlers and javascript: links are removed."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _require(principal: Principal, ability: Ability, unit_id: int) -> None:
    if not can(principal, ability, unit_id=unit_id):
        raise Http404("Not found")


def _currency(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError({"currency": "Use a three-letter ISO 4217 code such as EUR."})
    return code


def _vendor_of(actor: Principal, vendor: Organization) -> None:
    if actor.read_only or vendor.pk not in actor.organizations([Role.VENDOR]):
        raise Http404("Not found")


# --- needs -------------------------------------------------------------------------------------


@transaction.atomic
def need_submit(
    *,
    actor: Principal,
    agency: Organization,
    title: str,
    what_is_wrong: str,
    who_is_affected: str,
    current_cost: Decimal | None = None,
    currency: str = "EUR",
    constraints: str = "",
    problem: Problem | None = None,
) -> Need:
    """An agency official (or unit staff) records an innovation need of an agency."""
    unit_id = agency.unit_id
    if agency.kind != OrganizationKind.AGENCY or unit_id is None:
        raise ValidationError({"agency": "Needs come from a public agency that works with a unit."})
    if not (
        can(actor, Ability.SUBMIT_NEED, unit_id=None, agency_id=agency.pk)
        or can(actor, Ability.MANAGE_MARKET, unit_id=unit_id)
    ):
        raise Http404("Not found")
    if len(title.strip()) < 5:
        raise ValidationError({"title": "Give the need a title of at least 5 characters."})
    if len(what_is_wrong.strip()) < 20:
        raise ValidationError(
            {"what_is_wrong": "Describe what is wrong in at least 20 characters."}
        )
    if not who_is_affected.strip():
        raise ValidationError({"who_is_affected": "Say who is affected."})
    if current_cost is not None and current_cost < 0:
        raise ValidationError({"current_cost": "The current cost cannot be negative."})
    if problem is not None and problem.unit_id != unit_id:
        raise ValidationError({"problem": "The problem belongs to another unit."})
    need = Need.objects.create(
        unit_id=unit_id,
        agency=agency,
        problem=problem,
        title=title.strip(),
        what_is_wrong=what_is_wrong.strip(),
        who_is_affected=who_is_affected.strip(),
        current_cost=current_cost,
        currency=_currency(currency),
        constraints=constraints.strip(),
        submitted_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=MarketEvent.NEED_SUBMITTED,
        obj=need,
        organization=unit_id,
        after=model_snapshot(need),
    )
    return need


@transaction.atomic
def needs_merge(
    *,
    actor: Principal,
    needs: Sequence[Need],
    challenge: Challenge | None = None,
    title: str | None = None,
) -> Challenge:
    """Merge needs (possibly from several agencies) into one challenge, new or existing."""
    if not needs:
        raise ValidationError({"needs": "Choose at least one need to merge."})
    unit_ids = {n.unit_id for n in needs}
    if len(unit_ids) != 1:
        raise ValidationError({"needs": "Needs of different units cannot be merged."})
    unit_id = unit_ids.pop()
    _require(actor, Ability.MANAGE_MARKET, unit_id)
    if any(n.status == NeedStatus.MERGED for n in needs):
        raise ValidationError({"needs": "One of these needs is already part of a challenge."})
    if challenge is None:
        first = needs[0]
        problem = next((n.problem for n in needs if n.problem_id), None)
        challenge = challenge_create(
            actor=actor,
            unit=Organization.objects.get(pk=unit_id),
            title=title or first.title,
            context="\n\n".join(f"<p>{nh3.clean_text(n.what_is_wrong)}</p>" for n in needs),
            users_affected="\n\n".join(
                f"<p>{nh3.clean_text(n.who_is_affected)}</p>" for n in needs
            ),
            constraints="\n\n".join(
                f"<p>{nh3.clean_text(n.constraints)}</p>" for n in needs if n.constraints
            ),
            problem=problem,
        )
    elif challenge.unit_id != unit_id:
        raise ValidationError({"challenge": "The challenge belongs to another unit."})
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(
        status=NeedStatus.MERGED, challenge=challenge, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=MarketEvent.NEEDS_MERGED,
        obj=challenge,
        organization=unit_id,
        metadata={"need_ids": sorted(n.pk for n in needs)},
    )
    return challenge


# --- challenges --------------------------------------------------------------------------------


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
    _require(actor, Ability.MANAGE_MARKET, unit.pk)
    if len(title.strip()) < 5:
        raise ValidationError({"title": "Give the challenge a title of at least 5 characters."})
    if not nh3.clean(context or "", tags=set()).strip():
        raise ValidationError({"context": "Describe the context of the problem."})
    if problem is not None and problem.unit_id != unit.pk:
        raise ValidationError({"problem": "The problem belongs to another unit."})
    challenge = Challenge(
        unit=unit,
        problem=problem,
        title=title.strip(),
        summary=summary.strip()[:500],
        currency=_currency(currency),
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
                % {"deadline": timezone.localtime(lifts).strftime("%Y-%m-%d %H:%M %Z")}
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
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    # Lock the row and work from what is stored (the caller's copy may be stale).
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    challenge.refresh_from_db()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: gettext("This field cannot be changed here.")})
    if challenge.status in (
        ChallengeStatus.EVALUATION,
        ChallengeStatus.AWARDED,
        ChallengeStatus.CANCELLED,
    ):
        raise ValidationError({"status": gettext("A challenge cannot change after its deadline.")})
    if "title" in changes and len((changes["title"] or "").strip()) < 5:
        raise ValidationError(
            {"title": gettext("Give the challenge a title of at least 5 characters.")}
        )
    if "context" in changes and not nh3.clean(changes["context"] or "", tags=set()).strip():
        raise ValidationError({"context": gettext("Describe the context of the problem.")})
    problem = changes.get("problem")
    if problem is not None and problem.unit_id != challenge.unit_id:
        raise ValidationError({"problem": gettext("The problem belongs to another unit.")})
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
    before = model_snapshot(challenge)
    changed: list[tuple[str, str, str]] = []
    for name, value in changes.items():
        if name in RICH_TEXT_FIELDS:
            value = sanitise_html(value)
        old = getattr(challenge, name)
        if old != value:
            changed.append((name, str(old if old is not None else ""), str(value or "")))
            setattr(challenge, name, value)
    if not changed:
        return challenge
    if challenge.is_public:
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


@transaction.atomic
def phase_set(
    *,
    actor: Principal,
    challenge: Challenge,
    kind: str,
    budget: Decimal,
    awards_count: int = 1,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Phase:
    """Create or change a phase (feasibility, prototype, pilot) with its budget and awards."""
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if kind not in PHASE_ORDER:
        raise ValidationError({"kind": "A phase is feasibility, prototype or pilot."})
    if challenge.status not in (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION):
        raise ValidationError({"kind": "Phases are fixed once the call is open."})
    if budget is None or Decimal(budget) < 0:
        raise ValidationError({"budget": "The budget must be zero or more."})
    if awards_count < 1:
        raise ValidationError({"awards_count": "A phase makes at least one award."})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "The phase must end after it starts."})
    phase, _ = Phase.objects.update_or_create(
        challenge=challenge,
        kind=kind,
        defaults={
            "budget": Decimal(budget),
            "awards_count": awards_count,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    audit_record(
        actor=actor,
        action=MarketEvent.PHASE_SET,
        obj=phase,
        organization=challenge.unit_id,
        after=model_snapshot(phase),
    )
    return phase


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: int
    max_score: int = 10
    description: str = ""


@transaction.atomic
def criteria_set(
    *,
    actor: Principal,
    challenge: Challenge,
    criteria: Sequence[CriterionSpec],
    phase: Phase | None = None,
) -> list[Criterion]:
    """Replace the weighted criteria of a challenge (or of one phase); weights must sum to 100."""
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if challenge.status not in (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION):
        raise ValidationError({"criteria": "Criteria are fixed once the call is open."})
    if phase is not None and phase.challenge_id != challenge.pk:
        raise ValidationError({"phase": "The phase belongs to another challenge."})
    if not criteria:
        raise ValidationError({"criteria": "Give at least one criterion."})
    for spec in criteria:
        if not spec.name.strip():
            raise ValidationError({"criteria": "Every criterion needs a name."})
        if not 1 <= spec.weight <= 100:
            raise ValidationError({"criteria": f"The weight of '{spec.name}' must be 1 to 100."})
        if not 1 <= spec.max_score <= 100:
            raise ValidationError(
                {"criteria": f"The maximum score of '{spec.name}' must be 1 to 100."}
            )
    total = sum(spec.weight for spec in criteria)
    if total != 100:
        raise ValidationError(
            {"criteria": f"Criterion weights must sum to 100 (they sum to {total})."}
        )
    Criterion.objects.filter(challenge=challenge, phase=phase).delete()
    created = [
        Criterion.objects.create(
            challenge=challenge,
            phase=phase,
            name=s.name.strip(),
            weight=s.weight,
            max_score=s.max_score,
            description=s.description.strip(),
        )
        for s in criteria
    ]
    audit_record(
        actor=actor,
        action=MarketEvent.CRITERIA_SET,
        obj=challenge,
        organization=challenge.unit_id,
        after={
            "phase_id": phase.pk if phase else None,
            "criteria": [[c.name, c.weight, c.max_score] for c in created],
        },
    )
    return created


def rubric_for(*, challenge: Challenge, phase: Phase) -> list[Criterion]:
    """A phase's own criteria when it has them, otherwise the challenge's."""
    own = list(Criterion.objects.filter(challenge=challenge, phase=phase))
    return own or list(Criterion.objects.filter(challenge=challenge, phase__isnull=True))


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


@transaction.atomic
def challenge_move(
    *, actor: Principal, challenge: Challenge, to_status: str, reason: str = ""
) -> Challenge:
    """Publish for consultation, open the call, close it for evaluation, or cancel."""
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    Challenge.objects.select_for_update().filter(pk=challenge.pk).first()
    challenge.refresh_from_db()
    if to_status not in ALLOWED_MOVES.get(challenge.status, set()):
        raise ValidationError(
            {"status": f"A {challenge.status} challenge cannot move to '{to_status}'."}
        )
    now = timezone.now()
    if to_status in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN):
        phases = list(challenge.phases.all())
        if not phases:
            raise ValidationError({"phases": "Define at least one phase with its budget first."})
        for phase in phases:
            if not rubric_for(challenge=challenge, phase=phase):
                raise ValidationError({"criteria": "Define weighted evaluation criteria first."})
    if to_status == ChallengeStatus.OPEN and (
        challenge.submission_deadline is None or challenge.submission_deadline <= now
    ):
        raise ValidationError(
            {
                "submission_deadline": "Set a submission deadline in the future "
                "before opening the call."
            }
        )
    if to_status == ChallengeStatus.EVALUATION and not challenge.seal_lifted(now):
        raise ValidationError(
            {"status": gettext("Evaluation starts only after the submission deadline.")}
        )
    cancelling = to_status == ChallengeStatus.CANCELLED
    if cancelling and challenge.is_public and len(reason.strip()) < 10:
        raise ValidationError(
            {
                "reason": gettext(
                    "Cancelling a published call needs a reason of at least 10 characters "
                    "(it is shown publicly and sent to every bidder)."
                )
            }
        )
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
                after=to_status,
                reason=reason.strip(),
                changed_by=actor.person,
            )
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
        notices = _cancellation_notices(challenge, voided, reason.strip())
        transaction.on_commit(lambda: _send_notices(notices))
    return challenge


def _cancellation_notices(
    challenge: Challenge, voided: Sequence[Proposal], reason: str
) -> list[tuple[str, str, list[str]]]:
    """One message per bidding vendor (never a shared recipient list: bidders stay private)."""
    site = settings.CIVICLOOP.get("SITE_NAME", "CivicLoop")
    subject = gettext("Call cancelled: %(title)s") % {"title": challenge.title}
    out = []
    for proposal in voided:
        emails = sorted(
            Membership.objects.filter(
                organization_id=proposal.vendor_id, role=Role.VENDOR, person__is_active=True
            ).values_list("person__email", flat=True)
        )
        if not emails:
            continue
        if challenge.voided_by_cancellation:
            text = gettext(
                "The call “%(title)s” was cancelled before its submission deadline.\n\n"
                "Reason given: %(reason)s\n\n"
                "Your proposal %(code)s is void: it will never be opened or evaluated. If the "
                "call is re-published, you may submit again.\n\n— %(site)s"
            )
        else:
            text = gettext(
                "The call “%(title)s” was cancelled during evaluation.\n\n"
                "Reason given: %(reason)s\n\n"
                "Your proposal %(code)s is void: it will not be evaluated further or awarded. "
                "If the call is re-published, you may submit again.\n\n— %(site)s"
            )
        body = text % {
            "title": challenge.title,
            "reason": reason,
            "code": proposal.code,
            "site": site,
        }
        out.append((subject, body, emails))
    return out


def _send_notices(notices: Sequence[tuple[str, str, list[str]]]) -> None:
    for subject, body, emails in notices:
        try:
            send_mail(subject, body, None, emails)
        except Exception:  # a mail outage must not undo or fail the cancellation
            logger.exception("could not e-mail a cancellation notice to %s", emails)


@transaction.atomic
def challenge_republish(
    *, actor: Principal, challenge: Challenge, submission_deadline: datetime | None = None
) -> Challenge:
    """A cancelled call as a new draft (same statement, phases and criteria, a new deadline)."""
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
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
    phases = {}
    for phase in challenge.phases.all():
        phases[phase.pk] = Phase.objects.create(
            challenge=copy,
            kind=phase.kind,
            budget=phase.budget,
            awards_count=phase.awards_count,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
        )
    for criterion in challenge.criteria.all():
        Criterion.objects.create(
            challenge=copy,
            phase=phases.get(criterion.phase_id) if criterion.phase_id else None,
            name=criterion.name,
            description=criterion.description,
            weight=criterion.weight,
            max_score=criterion.max_score,
        )
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


# --- consultation ------------------------------------------------------------------------------


def _public_or_404(challenge: Challenge) -> None:
    if not challenge.is_public:
        raise Http404("Not found")


@transaction.atomic
def rfi_respond(
    *, actor: Principal, challenge: Challenge, vendor: Organization, text: str
) -> RfiResponse:
    """A company answers the request for information while the challenge is in consultation."""
    _public_or_404(challenge)
    _vendor_of(actor, vendor)
    if challenge.status != ChallengeStatus.CONSULTATION:
        raise ValidationError({"text": "The request for information is closed."})
    if len(text.strip()) < 20:
        raise ValidationError({"text": "Write at least 20 characters."})
    response = RfiResponse.objects.create(
        challenge=challenge, vendor=vendor, author=actor.person, text=text.strip()
    )
    audit_record(
        actor=actor, action=MarketEvent.RFI_RESPONDED, obj=response, organization=challenge.unit_id
    )
    return response


@transaction.atomic
def question_ask(
    *, actor: Principal, challenge: Challenge, vendor: Organization, text: str
) -> Question:
    """Any registered company asks a clarification question; the answer is public."""
    _public_or_404(challenge)
    _vendor_of(actor, vendor)
    if challenge.status not in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN):
        raise ValidationError({"text": "Questions are closed for this challenge."})
    if len(text.strip()) < 10:
        raise ValidationError({"text": "Write a question of at least 10 characters."})
    question = Question.objects.create(
        challenge=challenge, asked_by_org=vendor, asked_by=actor.person, text=text.strip()
    )
    audit_record(
        actor=actor, action=MarketEvent.QUESTION_ASKED, obj=question, organization=challenge.unit_id
    )
    return question


@transaction.atomic
def question_answer(*, actor: Principal, question: Question, answer: str) -> Question:
    """The unit answers; everybody sees question and answer, nobody sees who asked."""
    _require(actor, Ability.MANAGE_MARKET, question.challenge.unit_id)
    if len(answer.strip()) < 5:
        raise ValidationError({"answer": "Write an answer of at least 5 characters."})
    question.answer = answer.strip()
    question.answered_at = timezone.now()
    question.answered_by = actor.person
    question.save()
    audit_record(
        actor=actor,
        action=MarketEvent.QUESTION_ANSWERED,
        obj=question,
        organization=question.challenge.unit_id,
        after={"answer": question.answer},
    )
    return question


# --- vendors -----------------------------------------------------------------------------------


def _clean_list(values: Sequence[str], field: str, upper: bool = False) -> list[str]:
    out = []
    for value in values:
        v = str(value).strip()
        if not v:
            continue
        if upper:
            v = v.upper()
            if len(v) != 2 or not v.isalpha():
                raise ValidationError({field: f"'{value}' is not an ISO 3166-1 alpha-2 code."})
        out.append(v)
    return sorted(set(out))


@transaction.atomic
def vendor_register(
    *,
    actor: Principal,
    organization: Organization,
    founding_year: int,
    capabilities: str,
    sme_size: str,
    sectors: Sequence[str] = (),
    countries: Sequence[str] = (),
    references: str = "",
    website: str = "",
) -> VendorProfile:
    """A company registers or updates its vendor profile; a change voids every verification."""
    _vendor_of(actor, organization)
    if sme_size not in SmeSize.values:
        raise ValidationError({"sme_size": "Choose micro, small, medium or large (EU definition)."})
    this_year = timezone.now().year
    if not 1800 <= int(founding_year) <= this_year:
        raise ValidationError({"founding_year": f"The founding year must be 1800 to {this_year}."})
    if len(capabilities.strip()) < 20:
        raise ValidationError(
            {"capabilities": "Describe your capabilities in at least 20 characters."}
        )
    fields = {
        "founding_year": int(founding_year),
        "capabilities": capabilities.strip(),
        "sectors": _clean_list(sectors, "sectors"),
        "countries": _clean_list(countries, "countries", upper=True),
        "references": references.strip(),
        "website": website.strip(),
    }
    existing = VendorProfile.objects.filter(organization=organization).first()
    changed = (
        existing is None
        or organization.sme_size != sme_size
        or any(getattr(existing, name) != value for name, value in fields.items())
    )
    if organization.sme_size != sme_size:
        organization.sme_size = sme_size
        organization.save(update_fields=["sme_size", "updated_at"])
    profile, created = VendorProfile.objects.update_or_create(
        organization=organization, defaults=fields
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_REGISTERED,
        obj=profile,
        organization=organization,
        after=model_snapshot(profile),
    )
    if changed:
        # What a unit verified no longer stands: each verifying unit is told in its audit log.
        for verification in VendorVerification.objects.filter(profile=profile):
            audit_record(
                actor=actor,
                action=MarketEvent.VENDOR_VERIFICATION_RESET,
                obj=profile,
                organization=verification.organization_id,
                before=model_snapshot(verification, ["verified_by", "verified_at", "note"]),
                metadata={"reason": "the vendor changed its profile"},
            )
            verification.delete()
    return profile


MAX_VERIFICATION_NOTE = 1000


@transaction.atomic
def vendor_verify(
    *,
    actor: Principal,
    profile: VendorProfile,
    unit: Organization | None = None,
    note: str = "",
) -> VendorVerification:
    """A unit confirms, for itself, that the company exists and its size class is right."""
    managed = actor.units_with(Ability.MANAGE_MARKET)
    if not managed:
        raise Http404("Not found")
    if unit is not None:
        if unit.pk not in managed:
            raise ValidationError({"unit_id": "You do not manage the market of that unit."})
        unit_id = unit.pk
    elif len(managed) == 1:
        (unit_id,) = managed
    else:
        raise ValidationError(
            {"unit_id": "You manage the market of several units: say which unit verifies."}
        )
    note = note.strip()
    if len(note) > MAX_VERIFICATION_NOTE:
        raise ValidationError(
            {"note": f"The evidence note is at most {MAX_VERIFICATION_NOTE} characters."}
        )
    verification, _ = VendorVerification.objects.update_or_create(
        profile=profile,
        organization_id=unit_id,
        defaults={"verified_by": actor.person, "verified_at": timezone.now(), "note": note},
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_VERIFIED,
        obj=profile,
        organization=unit_id,
        after=model_snapshot(verification, ["verified_by", "verified_at", "note"]),
    )
    return verification


@transaction.atomic
def vendor_invite(
    *, actor: Principal, challenge: Challenge, vendor: Organization, message: str = ""
) -> Invitation:
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if vendor.kind != OrganizationKind.COMPANY:
        raise ValidationError({"vendor": "Only companies can be invited."})
    if not challenge.is_public:
        raise ValidationError({"challenge": "Publish the challenge before inviting vendors."})
    invitation, _ = Invitation.objects.get_or_create(
        challenge=challenge,
        vendor=vendor,
        defaults={"invited_by": actor.person, "message": message.strip()},
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_INVITED,
        obj=invitation,
        organization=challenge.unit_id,
        metadata={"vendor_id": vendor.pk},
    )
    return invitation


# --- sealed proposals --------------------------------------------------------------------------


def _submission_audit_org(challenge: Challenge, vendor: Organization) -> int:
    """Submissions to an anonymous evaluation are logged under the vendor, not the unit, so the
    unit's audit page cannot tie a proposal code to the person who submitted it."""
    return vendor.pk if challenge.anonymous_evaluation else challenge.unit_id


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = "P-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if not Proposal.objects.filter(code=code).exists():
            return code


def _before_deadline(challenge: Challenge, now: datetime) -> None:
    if challenge.status != ChallengeStatus.OPEN:
        raise ValidationError({"challenge": "This challenge is not open for proposals."})
    if challenge.submission_deadline is None or now >= challenge.submission_deadline:
        raise ValidationError(
            {"submitted_at": "The submission deadline has passed; late proposals are refused."}
        )


@transaction.atomic
def proposal_submit(
    *,
    actor: Principal,
    challenge: Challenge,
    phase: Phase,
    vendor: Organization,
    content: str,
    price: Decimal,
    currency: str | None = None,
) -> Proposal:
    """Submit a sealed proposal, or revise the vendor's own one, before the deadline."""
    _public_or_404(challenge)
    _vendor_of(actor, vendor)
    now = timezone.now()
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _before_deadline(challenge, now)
    if phase.challenge_id != challenge.pk:
        raise ValidationError({"phase": "The phase belongs to another challenge."})
    if len(content.strip()) < 50:
        raise ValidationError({"content": "Describe your proposal in at least 50 characters."})
    if price is None or Decimal(price) < 0:
        raise ValidationError({"price": "The price must be zero or more."})
    if Decimal(price) > phase.budget:
        raise ValidationError({"price": f"The price exceeds the phase budget of {phase.budget}."})
    data = content.encode()
    proposal = Proposal.objects.filter(phase=phase, vendor=vendor).first()
    if proposal is None:
        proposal = Proposal.objects.create(
            challenge=challenge,
            phase=phase,
            vendor=vendor,
            submitted_by=actor.person,
            code=_new_code(),
            submitted_at=now,
            price=Decimal(price),
            currency=_currency(currency or challenge.currency),
        )
        SealedContent.objects.create(
            proposal=proposal, ciphertext=sealing.seal(data), sha256=sealing.digest(data)
        )
        action = MarketEvent.PROPOSAL_SUBMITTED
    else:
        proposal.revision += 1
        proposal.submitted_at = now
        proposal.price = Decimal(price)
        proposal.submitted_by = actor.person
        proposal.status = ProposalStatus.SUBMITTED
        proposal.save()
        SealedContent.objects.filter(proposal=proposal).update(
            ciphertext=sealing.seal(data), sha256=sealing.digest(data)
        )
        action = MarketEvent.PROPOSAL_REVISED
    # The audit trail keeps the content's hash (tamper evidence), never the content.
    audit_record(
        actor=actor,
        action=action,
        obj=proposal,
        organization=_submission_audit_org(challenge, vendor),
        metadata={
            "code": proposal.code,
            "revision": proposal.revision,
            "sha256": sealing.digest(data),
        },
    )
    return proposal


def attachment_limits() -> tuple[int, int]:
    """(most attachments per proposal, most bytes of attachments per proposal), from settings."""
    conf: dict[str, Any] = settings.CIVICLOOP  # defaults: config/settings/base.py (environment)
    return int(conf["MAX_PROPOSAL_FILES"]), int(conf["MAX_PROPOSAL_FILES_BYTES"])


def _check_attachment_limits(proposal: Proposal, adding: int) -> None:
    most_files, most_bytes = attachment_limits()
    files = ProposalFile.objects.filter(proposal=proposal)
    count = files.count()
    if count >= most_files:
        raise ValidationError(
            {
                "file": gettext(
                    "A proposal has at most %(most)d attachments and this one already has "
                    "%(count)d: remove one before adding another."
                )
                % {"most": most_files, "count": count}
            }
        )
    stored = files.aggregate(total=Sum("size"))["total"] or 0
    if stored + adding > most_bytes:
        raise ValidationError(
            {
                "file": gettext(
                    "A proposal's attachments may add up to at most %(most)s MB; this file "
                    "(%(size)s MB) would bring them to %(total)s MB."
                )
                % {
                    "most": format_mb(most_bytes),
                    "size": format_mb(adding),
                    "total": format_mb(stored + adding),
                }
            }
        )


def format_mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


@transaction.atomic
def proposal_file_add(
    *, actor: Principal, proposal: Proposal, name: str, data: bytes
) -> ProposalFile:
    """Attach a PDF, ODT, DOCX, CSV or XLSX file to the own proposal before the deadline.

    For an anonymous call the file's identifying metadata is removed first; the record says
    what was removed. Count and total size per proposal are limited (settings)."""
    _vendor_of(actor, proposal.vendor)
    proposal.challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    _before_deadline(proposal.challenge, timezone.now())
    # The challenge row locked above makes uploads to it wait their turn, so two concurrent
    # ones cannot both pass the limits; the status is read again under that lock.
    proposal.refresh_from_db(fields=["status"])
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"file": gettext("This proposal no longer takes attachments.")})
    extension = uploads.check_upload(name, data)
    removed: list[str] = []
    if proposal.challenge.anonymous_evaluation:
        data, removed = scrub.strip_metadata(extension, data)
    _check_attachment_limits(proposal, len(data))
    storage_name = f"market/sealed/{uuid.uuid4().hex}.bin"
    saved = default_storage.save(storage_name, ContentFile(sealing.seal(data)))
    # The bytes are on disk before the row exists: remove them if recording fails.
    try:
        record = ProposalFile.objects.create(
            proposal=proposal,
            storage_name=saved,
            extension=extension,
            original_name=name[:200],
            size=len(data),
            sha256=sealing.digest(data),
            metadata_removed=removed,
        )
        audit_record(
            actor=actor,
            action=MarketEvent.PROPOSAL_FILE_ADDED,
            obj=record,
            organization=_submission_audit_org(proposal.challenge, proposal.vendor),
            metadata={
                "proposal": proposal.code,
                "sha256": record.sha256,
                "size": record.size,
                "extension": extension,
                "metadata_removed": removed,
            },
        )
    except BaseException:
        default_storage.delete(saved)
        raise
    return record


@transaction.atomic
def proposal_file_remove(*, actor: Principal, file: ProposalFile) -> None:
    """The vendor removes one of its own attachments before the deadline."""
    proposal = Proposal.objects.select_related("vendor").get(pk=file.proposal_id)
    _vendor_of(actor, proposal.vendor)
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    _before_deadline(challenge, timezone.now())
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"file": gettext("This proposal no longer changes.")})
    storage_name = file.storage_name
    audit_record(
        actor=actor,
        action=MarketEvent.PROPOSAL_FILE_REMOVED,
        obj=file,
        organization=_submission_audit_org(challenge, proposal.vendor),
        metadata={"proposal": proposal.code, "sha256": file.sha256},
    )
    file.delete()
    transaction.on_commit(lambda: default_storage.delete(storage_name))


# --- evaluation --------------------------------------------------------------------------------


def _after_deadline(challenge: Challenge) -> None:
    if not challenge.seal_lifted(timezone.now()):
        raise ValidationError({"challenge": "Evaluation starts after the submission deadline."})


@transaction.atomic
def conflict_declare(
    *, actor: Principal, proposal: Proposal, has_conflict: bool, note: str = ""
) -> ConflictDeclaration:
    """An evaluator declares, per proposal, whether they have a conflict of interest."""
    _require(actor, Ability.EVALUATE_PROPOSALS, proposal.challenge.unit_id)
    if actor.person is None:
        raise PermissionError("Only a person can declare conflicts of interest.")
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
    _require(actor, Ability.EVALUATE_PROPOSALS, proposal.challenge.unit_id)
    if actor.person is None:
        raise PermissionError("Only a person can score proposals.")
    declaration = ConflictDeclaration.objects.filter(
        proposal=proposal, evaluator=actor.person
    ).first()
    if declaration is not None and declaration.has_conflict:
        raise Http404("Not found")
    if declaration is None:
        raise ValidationError(
            {
                "declaration": "Declare whether you have a conflict of interest "
                "with this proposal before scoring it."
            }
        )
    _after_deadline(proposal.challenge)
    if proposal.challenge.status != ChallengeStatus.EVALUATION:
        raise ValidationError(
            {"challenge": "Scores are recorded while the challenge is under evaluation."}
        )
    if criterion.pk not in {
        c.pk for c in rubric_for(challenge=proposal.challenge, phase=proposal.phase)
    }:
        raise ValidationError({"criterion": "This criterion is not in the proposal's rubric."})
    if (
        not isinstance(score, int)
        or isinstance(score, bool)
        or not 0 <= score <= criterion.max_score
    ):
        raise ValidationError(
            {
                "score": f"The score for '{criterion.name}' must be a whole number "
                f"from 0 to {criterion.max_score}."
            }
        )
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise ValidationError(
            {"justification": f"Justify the score in at least {MIN_JUSTIFICATION} characters."}
        )
    existing = Score.objects.filter(
        proposal=proposal, evaluator=actor.person, criterion=criterion
    ).first()
    before = (
        {"score": existing.score, "justification": existing.justification} if existing else None
    )
    record, _ = Score.objects.update_or_create(
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


@transaction.atomic
def award_decide(
    *, actor: Principal, proposal: Proposal, amount: Decimal | str, rationale: str
) -> Award:
    """Award a proposal with a written rationale; the challenge becomes awarded."""
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    proposal.challenge = challenge
    _require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if challenge.status not in (ChallengeStatus.EVALUATION, ChallengeStatus.AWARDED):
        raise ValidationError({"challenge": "Awards are decided after evaluation has started."})
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError({"proposal": "This proposal cannot be awarded."})
    if len(rationale.strip()) < 20:
        raise ValidationError({"rationale": "Explain the decision in at least 20 characters."})
    amount = Decimal(amount)
    if amount <= 0 or amount > proposal.phase.budget:
        raise ValidationError(
            {
                "amount": f"The amount must be positive and within the phase "
                f"budget of {proposal.phase.budget}."
            }
        )
    awarded = Award.objects.filter(proposal__phase=proposal.phase).count()
    if awarded >= proposal.phase.awards_count:
        raise ValidationError(
            {
                "proposal": f"This phase makes {proposal.phase.awards_count} "
                "award(s), all already decided."
            }
        )
    award = Award.objects.create(
        challenge=challenge,
        proposal=proposal,
        amount=amount,
        currency=proposal.currency,
        rationale=rationale.strip(),
        decided_by=actor.person,
        decided_at=timezone.now(),
    )
    proposal.status = ProposalStatus.AWARDED
    proposal.save(update_fields=["status", "updated_at"])
    if challenge.status != ChallengeStatus.AWARDED:
        challenge.status = ChallengeStatus.AWARDED
        challenge.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.AWARD_DECIDED,
        obj=award,
        organization=challenge.unit_id,
        after={
            "proposal": proposal.code,
            "vendor_id": proposal.vendor_id,
            "amount": amount,
            "rationale": award.rationale,
        },
    )
    return award


@transaction.atomic
def feedback_send(*, actor: Principal, proposal: Proposal, text: str) -> Feedback:
    """Written feedback to an unsuccessful vendor, which also marks the proposal unsuccessful."""
    proposal.challenge = Challenge.objects.get(pk=proposal.challenge_id)
    _require(actor, Ability.MANAGE_MARKET, proposal.challenge.unit_id)
    if proposal.status == ProposalStatus.AWARDED:
        raise ValidationError({"proposal": "This proposal was awarded."})
    if proposal.challenge.status != ChallengeStatus.AWARDED:
        raise ValidationError({"proposal": "Send feedback once the award is decided."})
    if len(text.strip()) < 20:
        raise ValidationError({"text": "Write feedback of at least 20 characters."})
    feedback, _ = Feedback.objects.update_or_create(
        proposal=proposal, defaults={"text": text.strip(), "sent_by": actor.person}
    )
    proposal.status = ProposalStatus.UNSUCCESSFUL
    proposal.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.FEEDBACK_SENT,
        obj=feedback,
        organization=proposal.challenge.unit_id,
        metadata={"proposal": proposal.code},
    )
    return feedback


# --- contracts and pilots ----------------------------------------------------------------------


@transaction.atomic
def contract_sign(
    *,
    actor: Principal,
    award: Award,
    title: str,
    value: Decimal,
    signed_on: date,
    starts_on: date,
    ends_on: date,
    pilot_problem: Problem | None = None,
    pilot_service_id: int | None = None,
) -> Contract:
    """Turn an award into a contract; a pilot links to the problem (and service) it serves."""
    _require(actor, Ability.MANAGE_MARKET, award.challenge.unit_id)
    if hasattr(award, "contract"):
        raise ValidationError({"award": "This award already has a contract."})
    value = Decimal(value)
    if value <= 0 or value > award.amount:
        raise ValidationError(
            {
                "value": f"The contract value must be positive and at most the "
                f"awarded {award.amount}."
            }
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The contract must end after it starts."})
    if pilot_problem is not None and pilot_problem.unit_id != award.challenge.unit_id:
        raise ValidationError({"pilot_problem": "The problem belongs to another unit."})
    contract = Contract.objects.create(
        award=award,
        title=title.strip() or award.challenge.title,
        value=value,
        currency=award.currency,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        pilot_problem=pilot_problem or award.challenge.problem,
        pilot_service_id=pilot_service_id,
    )
    audit_record(
        actor=actor,
        action=MarketEvent.CONTRACT_SIGNED,
        obj=contract,
        organization=award.challenge.unit_id,
        after=model_snapshot(contract),
    )
    return contract


@transaction.atomic
def milestone_add(*, actor: Principal, contract: Contract, title: str, due_on: date) -> Milestone:
    """Schedule a milestone of a contract (a deliverable with its due date)."""
    _require(actor, Ability.MANAGE_MARKET, contract.award.challenge.unit_id)
    if not title.strip():
        raise ValidationError({"title": gettext("Name the milestone.")})
    milestone = Milestone.objects.create(contract=contract, title=title.strip(), due_on=due_on)
    audit_record(
        actor=actor,
        action=MarketEvent.MILESTONE_ADDED,
        obj=milestone,
        organization=contract.award.challenge.unit_id,
        after=model_snapshot(milestone),
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: Principal, milestone: Milestone, status: str) -> Milestone:
    """Mark a milestone scheduled, met (delivered and accepted) or not met."""
    _require(actor, Ability.MANAGE_MARKET, milestone.contract.award.challenge.unit_id)
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": gettext("A milestone is scheduled, met or not met.")})
    before = milestone.status
    milestone.status = status
    milestone.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=MarketEvent.MILESTONE_UPDATED,
        obj=milestone,
        organization=milestone.contract.award.challenge.unit_id,
        before={"status": before},
        after={"status": status},
    )
    return milestone


@transaction.atomic
def payment_record(
    *,
    actor: Principal,
    contract: Contract,
    amount: Decimal,
    paid_on: date,
    milestone: Milestone | None = None,
) -> Payment:
    """Record a payment; payments never exceed the contract value."""
    _require(actor, Ability.MANAGE_MARKET, contract.award.challenge.unit_id)
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": gettext("A payment is a positive amount.")})
    if milestone is not None and milestone.contract_id != contract.pk:
        raise ValidationError({"milestone": gettext("The milestone belongs to another contract.")})
    # Lock the contract so two payments recorded at once cannot together exceed its value.
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if paid + amount > contract.value:
        raise ValidationError(
            {
                "amount": gettext(
                    "Payments would exceed the contract value of %(value)s (already paid %(paid)s)."
                )
                % {"value": contract.value, "paid": paid}
            }
        )
    payment = Payment.objects.create(
        contract=contract, amount=amount, paid_on=paid_on, milestone=milestone
    )
    audit_record(
        actor=actor,
        action=MarketEvent.PAYMENT_RECORDED,
        obj=payment,
        organization=contract.award.challenge.unit_id,
        after=model_snapshot(payment),
    )
    return payment
