"""Unit staff moderate proposals and comments (reasons from a fixed list) and review supports."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import (
    Comment,
    CommentStatus,
    ModerationReason,
    Proposal,
    ProposalStatus,
    Support,
    SupportStatus,
)
from civicloop.participation.services._common import _proposal_status_set
from civicloop.participation.services.supports import threshold_check

DECISIONS = ("publish", "reject")


def _decision(decision: str, reason: str) -> str:
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose to publish or not to publish.")})
    if decision == "reject" and reason not in ModerationReason.values:
        raise ValidationError({"reason": _("Choose the reason from the list.")})
    return reason if decision == "reject" else ""


@transaction.atomic
def proposal_moderate(
    *, actor: Principal, proposal: Proposal, decision: str, reason: str = ""
) -> Proposal:
    """Publish a proposal awaiting moderation (or appealed), or refuse it with a listed reason."""
    require(actor, Ability.EDIT_PORTFOLIO, proposal)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (ProposalStatus.PENDING, ProposalStatus.APPEALED):
        raise ValidationError({"decision": _("This proposal is not awaiting moderation.")})
    proposal.moderation_reason = _decision(decision, reason)
    proposal.moderated_at = timezone.now()
    if decision == "publish":
        proposal.published_at = proposal.moderated_at
        status = ProposalStatus.PUBLISHED
    else:
        status = ProposalStatus.REJECTED
    _proposal_status_set(
        actor=actor,
        proposal=proposal,
        status=status,
        extra={"appeal": proposal.appealed_at is not None},
    )
    return proposal


@transaction.atomic
def comment_moderate(
    *, actor: Principal, comment: Comment, decision: str, reason: str = ""
) -> Comment:
    """Publish a comment awaiting moderation (or appealed), or refuse it with a listed reason."""
    require(actor, Ability.EDIT_PORTFOLIO, comment.proposal)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status not in (CommentStatus.PENDING, CommentStatus.APPEALED):
        raise ValidationError({"decision": _("This comment is not awaiting moderation.")})
    before = comment.status
    comment.moderation_reason = _decision(decision, reason)
    comment.moderated_at = timezone.now()
    comment.status = CommentStatus.PUBLISHED if decision == "publish" else CommentStatus.REJECTED
    comment.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.COMMENT_MODERATED,
        obj=comment,
        organization=comment.proposal.unit_id,
        before={"status": before},
        after={"status": comment.status, "reason": comment.moderation_reason},
        metadata={"proposal_id": comment.proposal_id},
    )
    return comment


@transaction.atomic
def support_review(*, actor: Principal, support: Support, decision: str) -> Support:
    """Count a held support, or leave it out for good."""
    require(actor, Ability.EDIT_PORTFOLIO, support.proposal)
    support = Support.objects.select_for_update().select_related("proposal").get(pk=support.pk)
    if support.status != SupportStatus.HELD:
        raise ValidationError({"decision": _("This support is not held for review.")})
    if decision not in ("count", "reject"):
        raise ValidationError({"decision": _("Choose to count it or not to count it.")})
    support.status = SupportStatus.COUNTED if decision == "count" else SupportStatus.REJECTED
    support.reviewed_at = timezone.now()
    support.save(update_fields=["status", "reviewed_at"])
    audit_record(
        actor=actor,
        action=ParticipationEvent.SUPPORT_REVIEWED,
        obj=support,
        organization=support.proposal.unit_id,
        after={"status": support.status},
        metadata={"proposal_id": support.proposal_id},
    )
    threshold_check(support.proposal)
    return support
