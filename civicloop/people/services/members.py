"""Roles and accounts: add, change and remove roles; deactivate and reactivate people."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.models import (
    ApiKey,
    Membership,
    Organization,
    Person,
)
from civicloop.core.permissions import (
    Principal,
    require_manages,
    require_manages_person,
)
from civicloop.core.services import (
    apikey_revoke,
    membership_add,
)
from civicloop.people.events import PeopleEvent
from civicloop.people.selectors import (
    manageable_organizations,
    roles_for_kind,
)
from civicloop.people.services._common import _audit_org

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
    require_manages_person(actor, person)
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
    require_manages_person(actor, person)
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
