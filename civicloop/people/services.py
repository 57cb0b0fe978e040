"""Every write of people management: organisations, invitations, roles, (de)activation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import (
    ApiKey,
    Membership,
    Organization,
    OrganizationKind,
    Person,
)
from civicloop.core.permissions import SYSTEM, Ability, Principal, principal_for_person, require
from civicloop.core.services import (
    apikey_revoke,
    membership_add,
    organization_create,
    person_create,
)
from civicloop.people.events import PeopleEvent
from civicloop.people.mail import mail_enqueue
from civicloop.people.models import Invitation, InvitationStatus
from civicloop.people.selectors import (
    invitation_for_token,
    is_operator,
    manageable_organizations,
    role_label,
    roles_for_kind,
    token_hash,
)

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _require_person_actor(actor: Principal) -> None:
    """People are managed by people: an API key could otherwise mint staff accounts."""
    if actor is SYSTEM:
        return
    if actor.person is None:
        raise PermissionError(
            "Managing people needs a signed-in person; API keys cannot invite, change roles "
            "or deactivate anyone."
        )


def require_manages(actor: Principal, organization: Organization) -> None:
    """Raise Http404 unless `actor` manages the people of `organization`."""
    _require_person_actor(actor)
    if actor is SYSTEM or is_operator(actor):
        return
    unit_id = (
        organization.pk if organization.kind == OrganizationKind.UNIT else organization.unit_id
    )
    if unit_id is None:
        raise Http404("Not found")
    require(actor, Ability.MANAGE_PEOPLE, unit_id)


def _audit_org(organization: Organization) -> Organization:
    return organization.unit if organization.unit_id else organization  # type: ignore[return-value]


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def partner_organization_create(
    *,
    actor: Principal,
    kind: str,
    name: str,
    unit: Organization | None = None,
    country: str = "",
    population: int | None = None,
    sme_size: str = "",
) -> Organization:
    """Create an agency, company, jurisdiction or research body of a unit (units: operators)."""
    _require_person_actor(actor)
    if not name.strip():
        raise ValidationError({"name": _("Enter the organisation's name.")})
    if kind == OrganizationKind.UNIT:
        if not (actor is SYSTEM or is_operator(actor)):
            raise ValidationError({"kind": _("Only operators can create a transformation unit.")})
        unit = None
    elif kind in OrganizationKind.values:
        if unit is None:
            raise ValidationError({"unit": _("Choose the unit this organisation works with.")})
        require_manages(actor, unit)
        if unit.kind != OrganizationKind.UNIT:
            raise ValidationError({"unit": _("Choose a transformation unit.")})
    else:
        raise ValidationError({"kind": _("Choose what kind of organisation this is.")})
    if population is not None and kind != OrganizationKind.JURISDICTION:
        raise ValidationError({"population": _("Only a jurisdiction has a population.")})
    if sme_size and kind != OrganizationKind.COMPANY:
        raise ValidationError({"sme_size": _("Only a company has a size.")})
    return organization_create(
        actor=actor,
        kind=kind,
        name=name,
        slug=_unique_slug(name),
        unit=unit,
        population=population,
        sme_size=sme_size,
        country=country.strip().upper(),
    )


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
    if existing is not None:
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
    # The invitation, checked above, is the authority for this role (its admin held
    # MANAGE_PEOPLE when inviting); the person gains the role as the system grants it.
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


# --- roles -------------------------------------------------------------------------------------


def _not_self(actor: Principal, person: Person, what: str) -> None:
    if actor.person is not None and actor.person.pk == person.pk:
        raise ValidationError({"person": what})


@transaction.atomic
def person_role_add(
    *, actor: Principal, person: Person, organization: Organization, role: str
) -> Membership:
    """Give a person already in the admin's organisations another role."""
    require_manages(actor, organization)
    if not manageable_organizations(viewer=actor).filter(memberships__person=person).exists():
        raise Http404("Not found")
    if role not in roles_for_kind(organization.kind):
        raise ValidationError(
            {"role": _("Choose a role that exists in this kind of organisation.")}
        )
    if Membership.objects.filter(person=person, organization=organization, role=role).exists():
        raise ValidationError({"role": _("This person already has this role here.")})
    return membership_add(actor=actor, person=person, organization=organization, role=role)


@transaction.atomic
def membership_role_change(*, actor: Principal, membership: Membership, role: str) -> Membership:
    """Change the role a person holds in one organisation."""
    require_manages(actor, membership.organization)
    _not_self(
        actor, membership.person, _("You cannot change your own role: ask another administrator.")
    )
    if role not in roles_for_kind(membership.organization.kind):
        raise ValidationError(
            {"role": _("Choose a role that exists in this kind of organisation.")}
        )
    if role == membership.role:
        return membership
    if Membership.objects.filter(
        person_id=membership.person_id, organization_id=membership.organization_id, role=role
    ).exists():
        raise ValidationError({"role": _("This person already has this role here.")})
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor,
        action=PeopleEvent.ROLE_CHANGED,
        obj=membership,
        organization=_audit_org(membership.organization),
        before=before,
        after={"role": role, "person_id": membership.person_id},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Principal, membership: Membership) -> None:
    """Take a role away; a person's last role is not removed (deactivate them instead)."""
    require_manages(actor, membership.organization)
    _not_self(
        actor, membership.person, _("You cannot remove your own role: ask another administrator.")
    )
    if Membership.objects.filter(person_id=membership.person_id).count() <= 1:
        raise ValidationError(
            {"role": _("This is the person's only role: deactivate them instead.")}
        )
    audit_record(
        actor=actor,
        action=PeopleEvent.ROLE_REMOVED,
        obj=membership,
        organization=_audit_org(membership.organization),
        before={
            "role": membership.role,
            "person_id": membership.person_id,
            "organization_id": membership.organization_id,
        },
    )
    membership.delete()


# --- deactivation ------------------------------------------------------------------------------


def _require_manages_person(actor: Principal, person: Person) -> None:
    """Every role the person holds must be in an organisation `actor` manages."""
    _require_person_actor(actor)
    if actor is SYSTEM or is_operator(actor):
        return
    orgs = Organization.objects.filter(memberships__person=person).distinct()
    managed = set(manageable_organizations(viewer=actor).values_list("pk", flat=True))
    org_ids = {o.pk for o in orgs}
    if not org_ids & managed:
        raise Http404("Not found")
    if org_ids - managed:
        raise ValidationError(
            {
                "person": _(
                    "This person also has roles in organisations you do not manage: "
                    "remove the roles you manage instead."
                )
            }
        )
    if person.is_staff or person.is_superuser:
        raise ValidationError({"person": _("Operators are managed by another operator.")})


def sessions_end(person: Person) -> int:
    """Delete every session signed in as `person`; returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001, S112 - an unreadable session names nobody
            continue
        if str(data.get("_auth_user_id", "")) == str(person.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def person_deactivate(*, actor: Principal, person: Person) -> Person:
    """Stop a person at once: sign-in refused, sessions ended, API keys they created revoked.

    Their roles, history, authored records and audit trail stay (reactivation restores access,
    not the revoked keys).
    """
    _require_manages_person(actor, person)
    _not_self(actor, person, _("You cannot deactivate yourself."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return person
    person.is_active = False
    person.save(update_fields=["is_active"])
    ended = sessions_end(person)
    revoked = []
    for key in ApiKey.objects.filter(created_by=person, revoked_at__isnull=True):
        apikey_revoke(actor=actor, api_key=key)
        revoked.append(key.prefix)
    first = Membership.objects.filter(person=person).select_related("organization").first()
    audit_record(
        actor=actor,
        action=PeopleEvent.PERSON_DEACTIVATED,
        obj=person,
        organization=_audit_org(first.organization) if first else None,
        before={"is_active": True},
        after={"is_active": False},
        metadata={"sessions_ended": ended, "api_keys_revoked": revoked},
    )
    return person


@transaction.atomic
def person_reactivate(*, actor: Principal, person: Person) -> Person:
    """Let a deactivated person sign in again with their roles (revoked keys stay revoked)."""
    _require_manages_person(actor, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        return person
    person.is_active = True
    person.save(update_fields=["is_active"])
    first = Membership.objects.filter(person=person).select_related("organization").first()
    audit_record(
        actor=actor,
        action=PeopleEvent.PERSON_REACTIVATED,
        obj=person,
        organization=_audit_org(first.organization) if first else None,
        before={"is_active": False},
        after={"is_active": True},
    )
    return person


def expiry_days() -> int:
    return int(getattr(settings, "CIVICLOOP_INVITATION_EXPIRY_DAYS", 7))
