"""Reads for people management: who may be managed by whom, who has which role."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicloop.core.models import Membership, Organization, OrganizationKind, Person, Role
from civicloop.core.permissions import ROLES_BY_KIND, Principal, manageable_unit_ids
from civicloop.core.permissions import is_operator as is_operator  # re-exported: people's views
from civicloop.people.models import Invitation


def manageable_units(*, viewer: Principal) -> QuerySet[Organization]:
    units = Organization.objects.filter(kind=OrganizationKind.UNIT)
    ids = manageable_unit_ids(viewer)
    return units.order_by("name", "pk") if ids is None else units.filter(pk__in=ids)


def manageable_organizations(*, viewer: Principal) -> QuerySet[Organization]:
    """A unit admin's units and the organisations linked to them (agencies, companies, …)."""
    ids = manageable_unit_ids(viewer)
    qs = Organization.objects.select_related("unit")
    if ids is not None:
        qs = qs.filter(Q(pk__in=ids, kind=OrganizationKind.UNIT) | Q(unit_id__in=ids))
    return qs.order_by("name", "pk")


def organization_get(*, viewer: Principal, pk: int) -> Organization:
    org = manageable_organizations(viewer=viewer).filter(pk=pk).first()
    if org is None:
        raise Http404("Not found")
    return org


def roles_for_kind(kind: str) -> list[str]:
    """The roles a person can be given in an organisation of `kind`.

    Jurisdictions and research bodies have one kind of member: the membership is stored as
    "agency official" and acts with the kind's own role (core.permissions.role_in).
    """
    if kind in (OrganizationKind.JURISDICTION, OrganizationKind.RESEARCH):
        return [Role.AGENCY_OFFICIAL.value]
    return [r for r in Role.values if r in ROLES_BY_KIND.get(kind, frozenset())]


def role_label(kind: str, role: str) -> str:
    """How a role reads in an organisation of `kind` (members of jurisdictions: "Member")."""
    if kind in (OrganizationKind.JURISDICTION, OrganizationKind.RESEARCH):
        return str(_("Member"))
    return str(Role(role).label) if role in Role.values else role


def role_choices() -> list[tuple[str, str]]:
    """Every role an invitation can name, labelled with the kinds of organisation it fits."""
    return [
        (Role.UNIT_STAFF.value, str(_("Unit staff (transformation unit)"))),
        (Role.EVALUATOR.value, str(_("Evaluator (transformation unit)"))),
        (Role.AUDITOR.value, str(_("Auditor (transformation unit)"))),
        (
            Role.AGENCY_OFFICIAL.value,
            str(_("Agency official, or member of a jurisdiction or research body")),
        ),
        (Role.VENDOR.value, str(_("Vendor (company)"))),
    ]


def membership_list(
    *,
    viewer: Principal,
    organization_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> QuerySet[Membership]:
    """Who has which role in the organisations `viewer` manages."""
    qs = Membership.objects.filter(
        organization__in=manageable_organizations(viewer=viewer)
    ).select_related("person", "organization")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(person__is_active=active)
    return qs.order_by("person__email", "organization__name", "role", "pk")


def membership_get(*, viewer: Principal, pk: int) -> Membership:
    membership = membership_list(viewer=viewer).filter(pk=pk).first()
    if membership is None:
        raise Http404("Not found")
    return membership


def person_get(*, viewer: Principal, pk: int) -> Person:
    """A person who holds a role in an organisation `viewer` manages (else 404)."""
    person = Person.objects.filter(
        pk=pk, memberships__organization__in=manageable_organizations(viewer=viewer)
    ).first()
    if person is None:
        raise Http404("Not found")
    return person


def invitation_list(
    *, viewer: Principal, organization_id: int | None = None, pending_only: bool = False
) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(
        organization__in=manageable_organizations(viewer=viewer)
    ).select_related("organization", "invited_by")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if pending_only:
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def invitation_get(*, viewer: Principal, pk: int) -> Invitation:
    invitation = invitation_list(viewer=viewer).filter(pk=pk).first()
    if invitation is None:
        raise Http404("Not found")
    return invitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state (the page says which)."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=token_hash(token))
        .first()
    )


def account_exists(email: str) -> bool:
    return Person.objects.filter(email__iexact=email).exists()
