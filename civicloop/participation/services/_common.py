"""What the participation services share: the citizen gate, redaction, limits, status audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import Person
from civicloop.core.permissions import Principal
from civicloop.participation import abuse
from civicloop.participation.events import ParticipationEvent
from civicloop.participation.models import Citizen, Comment, Proposal, Support
from civicloop.text import redact


class NotACitizen(PermissionDenied):
    """A signed-in person without a verified citizen account (answered 403 with the reason)."""


class RateLimited(Exception):
    """Too many rows of one kind in the window: answered 429 with the rule in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def email_verified(person: Person) -> bool:
    return EmailAddress.objects.filter(
        user=person, email__iexact=person.email, verified=True
    ).exists()


def verified_citizen(person: Person) -> Citizen:
    """The person's citizen profile, if their e-mail address is verified; else `NotACitizen`."""
    citizen = Citizen.objects.filter(person=person).first()
    if citizen is None:
        raise NotACitizen(_("Sign up as a citizen to take part."))
    if not person.is_active or not email_verified(person):
        raise NotACitizen(_("Confirm your e-mail address first: follow the link we sent you."))
    return citizen


def redacted(text: str, language: str) -> tuple[str, dict[str, int]]:
    result = redact(text.strip(), language)
    return result.text, {k: v for k, v in result.counts.items() if v}


def check_links(field: str, text: str) -> None:
    limit = abuse.MAX_LINKS[field]
    found = abuse.link_count(text)
    if found > limit:
        message = (
            _("Links are not allowed here.")
            if limit == 0
            else _("At most %(limit)s links are allowed here; this text has %(found)s.")
            % {"limit": limit, "found": found}
        )
        raise ValidationError({field: message})


_FLOOD_MODELS: dict[str, type[Model]] = {
    "proposal": Proposal,
    "comment": Comment,
    "support": Support,
}


def check_flood(kind: str, *, citizen: Citizen, client_hashes: tuple[str, ...]) -> None:
    """Refuse when this account or this client address has sent too many in the last hour.

    `client_hashes` are the client's key now and the day before (it rotates at midnight UTC),
    so the hour before 00:30 counts the rows stored under yesterday's key too."""
    keys = sorted({key for key in client_hashes if key})
    per_account, per_client = abuse.limits(kind)
    since = timezone.now() - timedelta(seconds=abuse.WINDOW_SECONDS)
    rows = _FLOOD_MODELS[kind].objects.filter(created_at__gte=since)  # type: ignore[attr-defined]
    owner = Q(citizen=citizen) if kind == "support" else Q(author=citizen)
    if rows.filter(owner).count() >= per_account:
        raise RateLimited(
            _("One account may send at most %(limit)s of these an hour: try again later.")
            % {"limit": per_account}
        )
    if keys and rows.filter(client_hash__in=keys).count() >= per_client:
        raise RateLimited(
            _("At most %(limit)s of these an hour may come from one connection: try again later.")
            % {"limit": per_client}
        )


def _proposal_status_set(
    *,
    actor: Principal | None,
    proposal: Proposal,
    status: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Change the status and write the one audit event notifications read."""
    before = proposal.status
    proposal.status = status
    proposal.save()
    audit_record(
        actor=actor,
        action=ParticipationEvent.PROPOSAL_STATUS_CHANGED,
        obj=proposal,
        organization=proposal.unit_id,
        before={"status": before},
        after={"status": status},
        metadata={
            "proposal_id": proposal.pk,
            "problem_id": proposal.problem_id,
            "reason": proposal.moderation_reason,
            **(extra or {}),
        },
    )
