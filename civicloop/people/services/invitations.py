"""Invitations: create, re-send, revoke, accept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import (
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Role,
)
from civicloop.core.permissions import (
    SYSTEM,
    Ability,
    Principal,
    principal_for_person,
    require,
    require_manages,
)
from civicloop.core.services import (
    membership_add,
    person_create,
)
from civicloop.people.events import PeopleEvent
from civicloop.people.mail import mail_enqueue
from civicloop.people.models import Invitation, InvitationStatus
from civicloop.people.selectors import (
    invitation_for_token,
    role_label,
    roles_for_kind,
    token_hash,
)
from civicloop.people.services._common import LANGUAGES, _audit_org, expiry_days

# --- invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str  # the only copy of the token; it is in the e-mail and never stored


def _expiry() -> timedelta:
    return timedelta(days=expiry_days())


def invitation_link(base_url: str, token: str) -> str:
    from django.urls import reverse

    return f"{base_url.rstrip('/')}{reverse('people:accept')}?token={token}"


def _send_invitation(invitation: Invitation, link: str, inviter: str) -> None:
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": link,
            "inviter": inviter,
            "organization": invitation.organization.name,
            "role": role_label(invitation.organization.kind, invitation.role),
            "expires_at": invitation.expires_at,
            "site_name": settings.CIVICLOOP["SITE_NAME"],
        }
        subject = " ".join(render_to_string("people/email/invitation_subject.txt", context).split())
        body = render_to_string("people/email/invitation_message.txt", context)
        html = render_to_string("people/email/invitation_message.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    mail_enqueue(message)


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + _expiry()
    return token


def _inviter_name(actor: Principal) -> str:
    return (
        actor.person.display_name
        if actor.person is not None
        else str(settings.CIVICLOOP["SITE_NAME"])
    )


def _invitation_check(organization: Organization, email: str, role: str, language: str) -> str:
    """The normalised address, once the invitation is one that may be sent."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("Enter an e-mail address like name@example.org.")}
        ) from None
    if role not in roles_for_kind(organization.kind):
        raise ValidationError(
            {"role": _("Choose a role that exists in this kind of organisation.")}
        )
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose English or Spanish.")})
    existing = Person.objects.filter(email__iexact=email).first()
    # Only what the inviter already knows is said: facts about people of this organisation.
    # Whether an address has an account elsewhere, or a deactivated one, is never told
    # (issue 16: a company's people may invite any address, so this would enumerate accounts).
    member_here = (
        existing is not None
        and Membership.objects.filter(person=existing, organization=organization).exists()
    )
    if existing is not None and member_here:
        if not existing.is_active:
            raise ValidationError(
                {"email": _("This person's account is deactivated: reactivate it instead.")}
            )
        if Membership.objects.filter(
            person=existing, organization=organization, role=role
        ).exists():
            raise ValidationError({"email": _("This person already has this role here.")})
    if Invitation.objects.filter(
        email=email,
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError(
            {"email": _("An invitation to this address is already waiting: re-send it instead.")}
        )
    return email


@transaction.atomic
def invitation_create(
    *,
    actor: Principal,
    organization: Organization,
    email: str,
    role: str,
    base_url: str,
    full_name: str = "",
    language: str = "en",
) -> SentInvitation:
    """Invite someone by e-mail to hold `role` in `organization`; the mail goes after commit."""
    require_manages(actor, organization)
    return _invite(actor, organization, email, role, base_url, full_name, language)


@transaction.atomic
def company_colleague_invite(
    *,
    actor: Principal,
    organization: Organization,
    email: str,
    base_url: str,
    full_name: str = "",
    language: str = "en",
) -> SentInvitation:
    """A company's own person invites a colleague to the company's account (as a vendor).

    The same invitation as a unit's (single-use link, expiry, audited); the gate is acting for
    the company (a confirmed address: `core.permissions.principal_for_person`).
    """
    require(actor, Ability.ACT_FOR_COMPANY, organization)
    if actor.person is None:
        raise PermissionError("Inviting a colleague needs a signed-in person, not an API key.")
    if organization.kind != OrganizationKind.COMPANY:
        raise ValidationError({"organization": _("Only a company invites colleagues here.")})
    return _invite(actor, organization, email, Role.VENDOR, base_url, full_name, language)


def _invite(
    actor: Principal,
    organization: Organization,
    email: str,
    role: str,
    base_url: str,
    full_name: str,
    language: str,
) -> SentInvitation:
    email = _invitation_check(organization, email, role, language)
    invitation = Invitation(
        email=email,
        full_name=full_name.strip()[:200],
        organization=organization,
        role=role,
        language=language,
        invited_by=actor.person,
    )
    token = _new_token(invitation)
    invitation.save()
    audit_record(
        actor=actor,
        action=PeopleEvent.INVITATION_CREATED,
        obj=invitation,
        organization=_audit_org(organization),
        after={
            "organization_id": organization.pk,
            "role": role,
            "email_domain": email.rsplit("@", 1)[-1],
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    link = invitation_link(base_url, token)
    _send_invitation(invitation, link, _inviter_name(actor))
    return SentInvitation(invitation=invitation, link=link)


@transaction.atomic
def invitation_resend(*, actor: Principal, invitation: Invitation, base_url: str) -> SentInvitation:
    """Send a new link (the old one stops working) valid for the full period again."""
    require_manages(actor, invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise ValidationError(
            {"invitation": _("This invitation was already accepted or withdrawn.")}
        )
    token = _new_token(invitation)
    invitation.sent_count += 1
    invitation.save(update_fields=["token_hash", "expires_at", "sent_count", "updated_at"])
    audit_record(
        actor=actor,
        action=PeopleEvent.INVITATION_RESENT,
        obj=invitation,
        organization=_audit_org(invitation.organization),
        after={
            "sent_count": invitation.sent_count,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    link = invitation_link(base_url, token)
    _send_invitation(invitation, link, _inviter_name(actor))
    return SentInvitation(invitation=invitation, link=link)


@transaction.atomic
def invitation_revoke(*, actor: Principal, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its link stops working at once."""
    require_manages(actor, invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError({"invitation": _("This invitation was already accepted.")})
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action=PeopleEvent.INVITATION_REVOKED,
            obj=invitation,
            organization=_audit_org(invitation.organization),
        )
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be used, in words for the person holding it (None: it can)."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied all of it.")
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        return _("This invitation has already been used. Sign in instead.")
    if status == InvitationStatus.REVOKED:
        return _("This invitation was withdrawn. Ask the person who invited you.")
    if status == InvitationStatus.EXPIRED:
        return _("This invitation has expired. Ask the person who invited you to send a new one.")
    return None


class AccountExists(Exception):
    """The invited address already has an account: its owner signs in, then accepts."""


@transaction.atomic
def invitation_accept(
    *, token: str, password: str = "", full_name: str = "", signed_in: Person | None = None
) -> Person:
    """Use an invitation once: create the account (or use the signed-in one) and give the role."""
    found = invitation_for_token(token)
    invitation = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=found.pk)
        if found is not None
        else None
    )
    problem = invitation_problem(invitation)
    if problem is not None or invitation is None:
        raise ValidationError({"token": problem})
    existing = Person.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if signed_in is None or signed_in.pk != existing.pk:
            raise AccountExists(invitation.email)
        person = existing
    else:
        full_name = (full_name or invitation.full_name).strip()[:200]
        candidate = Person(email=invitation.email, username=invitation.email, full_name=full_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        person = person_create(email=invitation.email, password=password, full_name=full_name)
        person.preferred_language = invitation.language
        person.save(update_fields=["preferred_language"])
        # The link reached this address: it is verified.
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    acting = principal_for_person(person)
    # The invitation is the right: its inviter passed `require_manages` when it was made, and
    # the new member holds no ability yet, so the role is added by the system (the acceptance
    # itself is audited below as the person's act).
    membership_add(
        actor=SYSTEM, person=person, organization=invitation.organization, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        actor=acting,
        action=PeopleEvent.INVITATION_ACCEPTED,
        obj=invitation,
        organization=_audit_org(invitation.organization),
        after={"person_id": person.pk, "role": invitation.role, "new_account": existing is None},
    )
    return person
