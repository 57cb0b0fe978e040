"""Staff take a proposal into the portfolio, answer it in public and set the unit's rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import ParticipationSettings, Proposal, ProposalStatus
from civicloop.participation.services._common import _proposal_status_set, redacted
from civicloop.portfolio import services as portfolio_services


@transaction.atomic
def proposal_triage(
    *,
    actor: Principal,
    proposal: Proposal,
    owner_agency: Organization,
    facet: str,
    title: str = "",
    statement: str = "",
) -> Proposal:
    """Frame a portfolio problem from a published proposal; the proposal keeps the link."""
    require(actor, Ability.EDIT_PORTFOLIO, proposal)
    proposal = Proposal.objects.select_for_update().select_related("unit").get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PUBLISHED:
        raise ValidationError(
            {"proposal": _("Only a published proposal not yet in the portfolio can be taken in.")}
        )
    problem = portfolio_services.problem_create(
        actor=actor,
        unit=proposal.unit,
        owner_agency=owner_agency,
        title=(title or proposal.title).strip()[:200],
        statement=(statement or proposal.body).strip(),
        facet=facet,
    )
    proposal.problem = problem
    _proposal_status_set(actor=actor, proposal=proposal, status=ProposalStatus.IN_PORTFOLIO)
    return proposal


@transaction.atomic
def proposal_answer(
    *, actor: Principal, proposal: Proposal, text: str, close: bool = False
) -> Proposal:
    """Answer a public proposal in public (the answer a threshold requires); optionally close it."""
    require(actor, Ability.EDIT_PORTFOLIO, proposal)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_public:
        raise ValidationError({"answer": _("Only a published proposal can be answered.")})
    clean, counts = redacted(text, proposal.language)
    if len(clean) < 20:
        raise ValidationError({"answer": _("Write an answer of at least 20 characters.")})
    proposal.answer = clean[:4000]
    proposal.answered_at = timezone.now()
    proposal.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.PROPOSAL_ANSWERED,
        obj=proposal,
        organization=proposal.unit_id,
        metadata={
            "proposal_id": proposal.pk,
            "late": bool(proposal.answer_due_at and proposal.answered_at > proposal.answer_due_at),
            "redacted": counts,
        },
    )
    if close and proposal.status == ProposalStatus.PUBLISHED:
        _proposal_status_set(actor=actor, proposal=proposal, status=ProposalStatus.CLOSED)
    return proposal


@transaction.atomic
def participation_settings_update(
    *,
    actor: Principal,
    unit: Organization,
    support_threshold: int,
    answer_days: int,
    accepting: bool = True,
) -> ParticipationSettings:
    """Set how many supports require a public answer, and within how many days."""
    require(actor, Ability.EDIT_PORTFOLIO, unit)
    row = ParticipationSettings.objects.filter(unit=unit).first()
    before = (
        {
            "support_threshold": row.support_threshold,
            "answer_days": row.answer_days,
            "accepting": row.accepting,
        }
        if row
        else None
    )
    row = row or ParticipationSettings(unit=unit)
    row.support_threshold = support_threshold
    row.answer_days = answer_days
    row.accepting = accepting
    if not 1 <= support_threshold <= 1_000_000:
        raise ValidationError(
            {"support_threshold": _("The threshold is a number of supports from 1 to 1,000,000.")}
        )
    if not 1 <= answer_days <= 365:
        raise ValidationError({"answer_days": _("The answer is due within 1 to 365 days.")})
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.SETTINGS_UPDATED,
        obj=row,
        organization=unit,
        before=before,
        after={
            "support_threshold": support_threshold,
            "answer_days": answer_days,
            "accepting": accepting,
        },
    )
    return row


@transaction.atomic
def answers_mark_overdue() -> int:
    """Mark every required answer past its due date (the scheduled check); returns how many."""
    now = timezone.now()
    late = Proposal.objects.select_for_update().filter(
        answer_due_at__lt=now, answered_at__isnull=True, answer_overdue_at__isnull=True
    )
    marked = 0
    for proposal in late:
        proposal.answer_overdue_at = now
        proposal.save(update_fields=["answer_overdue_at", "updated_at"])
        audit_record(
            actor=None,
            action=ParticipationEvent.PROPOSAL_ANSWER_OVERDUE,
            obj=proposal,
            organization=proposal.unit_id,
            metadata={"proposal_id": proposal.pk, "due": str(proposal.answer_due_at)},
        )
        marked += 1
    return marked
