"""Comments on published proposals: redacted, moderated, appealable once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Principal, require_person
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import Comment, CommentStatus, Proposal
from civicloop.participation.services._common import (
    check_flood,
    check_links,
    redacted,
    verified_citizen,
)


@transaction.atomic
def comment_submit(
    *,
    actor: Principal,
    proposal: Proposal,
    body: str,
    language: str,
    client_hash: str = "",
    client_hash_previous: str = "",
) -> Comment:
    """Store a comment, redacted, for moderation."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    if not proposal.is_public:
        raise Http404("Not found")
    if language not in ("en", "es"):
        raise ValidationError({"language": _("Choose English or Spanish.")})
    check_links("comment", body)
    if len(body.strip()) < 2:
        raise ValidationError({"body": _("Write a comment of 2 to 2000 characters.")})
    check_flood("comment", citizen=citizen, client_hashes=(client_hash, client_hash_previous))
    clean, counts = redacted(body, language)
    comment = Comment(
        proposal=proposal,
        author=citizen,
        body=clean[:2000],
        language=language,
        redaction_counts=counts,
        client_hash=client_hash,
    )
    comment.full_clean()
    comment.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.COMMENT_SUBMITTED,
        obj=comment,
        organization=proposal.unit_id,
        metadata={"proposal_id": proposal.pk, "redacted": counts},
    )
    return comment


@transaction.atomic
def comment_appeal(*, actor: Principal, comment: Comment, text: str) -> Comment:
    """The author asks once for a refused comment to be looked at again."""
    person = require_person(actor)
    citizen = verified_citizen(person)
    comment = Comment.objects.select_for_update().select_related("proposal").get(pk=comment.pk)
    if comment.author_id != citizen.pk:
        raise Http404("Not found")
    if comment.status != CommentStatus.REJECTED or comment.appealed_at is not None:
        raise ValidationError(
            {"appeal_text": _("Only a comment that was not published can be appealed, once.")}
        )
    check_links("comment", text)
    clean, counts = redacted(text, comment.language)
    if len(clean) < 10:
        raise ValidationError(
            {"appeal_text": _("Say in at least 10 characters why it should be published.")}
        )
    comment.appeal_text = clean[:2000]
    comment.appealed_at = timezone.now()
    comment.status = CommentStatus.APPEALED
    comment.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.COMMENT_APPEALED,
        obj=comment,
        organization=comment.proposal.unit_id,
        metadata={"proposal_id": comment.proposal_id, "redacted": counts},
    )
    return comment
