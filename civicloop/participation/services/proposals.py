"""A citizen proposes a problem or an idea to a unit, appeals a refusal and follows proposals."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Principal, require_person
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import (
    Follow,
    ParticipationSettings,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from civicloop.participation.services._common import (
    _proposal_status_set,
    check_flood,
    check_links,
    redacted,
    verified_citizen,
)


def _open_unit(unit_id: int) -> Organization:
    unit = Organization.objects.filter(pk=unit_id, kind=OrganizationKind.UNIT).first()
    if unit is None:
        raise ValidationError({"unit_id": _("Choose a unit from the list.")})
    accepting = (
        ParticipationSettings.objects.filter(unit=unit).values_list("accepting", flat=True).first()
    )
    if accepting is False:
        raise ValidationError({"unit_id": _("This unit does not take proposals at the moment.")})
    return unit


@transaction.atomic
def proposal_submit(
    *,
    actor: Principal,
    unit_id: int,
    kind: str,
    title: str,
    body: str,
    language: str,
    client_hash: str = "",
    client_hash_previous: str = "",
) -> Proposal:
    """Store a proposal, redacted, for moderation: nothing is public until staff publish it."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    unit = _open_unit(unit_id)
    if kind not in ProposalKind.values:
        raise ValidationError({"kind": _("Choose a problem or an idea.")})
    if language not in ("en", "es"):
        raise ValidationError({"language": _("Choose English or Spanish.")})
    check_links("title", title)
    check_links("body", body)
    if len(title.strip()) < 5:
        raise ValidationError({"title": _("Write a title of 5 to 140 characters.")})
    if len(body.strip()) < 20:
        raise ValidationError(
            {"body": _("Describe the problem or idea in at least 20 characters.")}
        )
    check_flood("proposal", citizen=citizen, client_hashes=(client_hash, client_hash_previous))
    clean_title, title_counts = redacted(title, language)
    clean_body, body_counts = redacted(body, language)
    counts = {
        k: title_counts.get(k, 0) + body_counts.get(k, 0) for k in {*title_counts, *body_counts}
    }
    proposal = Proposal(
        unit=unit,
        author=citizen,
        kind=kind,
        title=clean_title[:140],
        body=clean_body,
        language=language,
        redaction_counts=counts,
        client_hash=client_hash,
    )
    proposal.full_clean()
    proposal.save()
    Follow.objects.get_or_create(proposal=proposal, person=person)
    audit_record(
        actor=actor,
        action=ParticipationEvent.PROPOSAL_SUBMITTED,
        obj=proposal,
        organization=unit,
        after={"status": proposal.status, "kind": kind, "language": language},
        metadata={"proposal_id": proposal.pk, "redacted": counts},
    )
    return proposal


@transaction.atomic
def proposal_appeal(*, actor: Principal, proposal: Proposal, text: str) -> Proposal:
    """The author asks once for a refused proposal to be looked at again."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.author_id != citizen.pk:
        raise Http404("Not found")
    if proposal.status != ProposalStatus.REJECTED:
        raise ValidationError(
            {"appeal_text": _("Only a proposal that was not published can be appealed.")}
        )
    if proposal.appealed_at is not None:
        raise ValidationError(
            {"appeal_text": _("A proposal can be appealed once; it was already appealed.")}
        )
    check_links("comment", text)
    clean, counts = redacted(text, proposal.language)
    if len(clean) < 10:
        raise ValidationError(
            {"appeal_text": _("Say in at least 10 characters why it should be published.")}
        )
    proposal.appeal_text = clean[:2000]
    proposal.appealed_at = timezone.now()
    audit_record(
        actor=actor,
        action=ParticipationEvent.PROPOSAL_APPEALED,
        obj=proposal,
        organization=proposal.unit_id,
        metadata={"proposal_id": proposal.pk, "redacted": counts},
    )
    _proposal_status_set(actor=actor, proposal=proposal, status=ProposalStatus.APPEALED)
    return proposal


@transaction.atomic
def follow_set(*, actor: Principal, proposal: Proposal, following: bool) -> bool:
    """Follow or stop following a public proposal (and the portfolio problem made of it)."""
    person = require_person(actor)
    verified_citizen(person)
    if not proposal.is_public:
        raise Http404("Not found")
    if following:
        _row, changed = Follow.objects.get_or_create(proposal=proposal, person=person)
    else:
        changed = Follow.objects.filter(proposal=proposal, person=person).delete()[0] > 0
    if changed:
        audit_record(
            actor=actor,
            action=ParticipationEvent.FOLLOW_CHANGED,
            obj=proposal,
            organization=proposal.unit_id,
            metadata={"proposal_id": proposal.pk, "following": following},
        )
    return following
