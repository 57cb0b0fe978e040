"""Supports: one per verified person, counted from rows, held for review when they look stuffed.

The vote-stuffing rule (`abuse.STUFFING_COUNT` supports of one proposal from one client address
and one e-mail domain within `abuse.STUFFING_SECONDS`): when a new support completes such a
group, every support of the group is held (status `held`) and left out of the count until a
moderator counts or rejects it (`support_review`).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Principal, require_person
from civicloop.participation import abuse
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import (
    Follow,
    ParticipationSettings,
    Proposal,
    ProposalStatus,
    Support,
    SupportStatus,
)
from civicloop.participation.services._common import check_flood, verified_citizen


def support_count(proposal: Proposal) -> int:
    """Counted, not withdrawn supports: computed from the rows every time."""
    return Support.objects.filter(
        proposal=proposal, status=SupportStatus.COUNTED, withdrawn_at__isnull=True
    ).count()


def threshold_check(proposal: Proposal) -> None:
    """When the count first reaches the unit's threshold, an answer is due within its days."""
    if proposal.threshold_reached_at is not None or proposal.answered_at is not None:
        return
    rule = ParticipationSettings.objects.filter(unit_id=proposal.unit_id).first()
    if rule is None:
        return
    count = support_count(proposal)
    if count < rule.support_threshold:
        return
    now = timezone.now()
    proposal.threshold_reached_at = now
    proposal.answer_due_at = now + timedelta(days=rule.answer_days)
    proposal.save(update_fields=["threshold_reached_at", "answer_due_at", "updated_at"])
    audit_record(
        actor=None,
        action=ParticipationEvent.PROPOSAL_THRESHOLD_REACHED,
        obj=proposal,
        organization=proposal.unit_id,
        metadata={
            "proposal_id": proposal.pk,
            "supports": count,
            "threshold": rule.support_threshold,
            "answer_days": rule.answer_days,
            "answer_due_at": proposal.answer_due_at.isoformat(),
        },
    )


def _hold_stuffing(support: Support, client_hash_previous: str = "") -> int:
    """Hold the group the new support completes, if it is one (see the module's rule). The
    client's key rotates at midnight UTC: its key of the day before counts as the same client,
    so a burst across midnight is one group (the window looks back 60 s, well within a day)."""
    since = support.created_at - timedelta(seconds=abuse.STUFFING_SECONDS)
    if not support.client_hash:
        return 0
    keys = sorted({support.client_hash, client_hash_previous} - {""})
    group = Support.objects.filter(
        proposal_id=support.proposal_id,
        client_hash__in=keys,
        email_domain=support.email_domain,
        created_at__gte=since,
        withdrawn_at__isnull=True,
        status__in=[SupportStatus.COUNTED, SupportStatus.HELD],
    )
    if group.count() < abuse.STUFFING_COUNT:
        return 0
    reason = _(
        "%(count)s or more supports from one connection and one e-mail domain within "
        "%(seconds)s seconds"
    ) % {"count": abuse.STUFFING_COUNT, "seconds": abuse.STUFFING_SECONDS}
    held = group.filter(status=SupportStatus.COUNTED).update(
        status=SupportStatus.HELD, held_reason=reason
    )
    if support.status == SupportStatus.COUNTED:
        support.refresh_from_db()
    return held


@transaction.atomic
def support_add(
    *,
    actor: Principal,
    proposal: Proposal,
    client_hash: str = "",
    client_hash_previous: str = "",
    follow: bool = True,
) -> Support:
    """Support a published proposal: one active support per verified person and mailbox."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in (ProposalStatus.PUBLISHED, ProposalStatus.IN_PORTFOLIO):
        if not proposal.is_public:
            raise Http404("Not found")
        raise ValidationError({"proposal": _("This proposal is closed: it takes no more support.")})
    check_flood("support", citizen=citizen, client_hashes=(client_hash, client_hash_previous))
    support = Support(
        proposal=proposal,
        citizen=citizen,
        email_key=citizen.email_key,
        email_domain=abuse.email_domain(citizen.email_key),
        client_hash=client_hash,
        created_at=timezone.now(),
    )
    try:
        support.validate_constraints()
        with transaction.atomic():
            support.save()
    except (ValidationError, IntegrityError) as error:  # at once: the constraint decides
        raise ValidationError({"proposal": _("You already support this proposal.")}) from error
    held = _hold_stuffing(support, client_hash_previous)
    if follow:
        Follow.objects.get_or_create(proposal=proposal, person=person)
    audit_record(
        actor=actor,
        action=ParticipationEvent.SUPPORT_ADDED,
        obj=support,
        organization=proposal.unit_id,
        metadata={"proposal_id": proposal.pk, "status": support.status},
    )
    if held:
        audit_record(
            actor=None,
            action=ParticipationEvent.SUPPORTS_HELD,
            obj=proposal,
            organization=proposal.unit_id,
            metadata={"proposal_id": proposal.pk, "held": held, "reason": support.held_reason},
        )
    threshold_check(proposal)
    return support


@transaction.atomic
def support_withdraw(*, actor: Principal, proposal: Proposal) -> None:
    """Withdraw one's support: the row stays (withdrawn), the count drops."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    support = (
        Support.objects.select_for_update()
        .filter(proposal=proposal, citizen=citizen, withdrawn_at__isnull=True)
        .first()
    )
    if support is None:
        raise ValidationError({"proposal": _("You do not support this proposal.")})
    support.withdrawn_at = timezone.now()
    support.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=actor,
        action=ParticipationEvent.SUPPORT_WITHDRAWN,
        obj=support,
        organization=proposal.unit_id,
        metadata={"proposal_id": proposal.pk},
    )
