"""Reads for data subject requests: a person's own data (GDPR Arts. 15 and 20) and the people a
unit's staff may erase (Art. 17).

This app sits downstream of every domain app: it reads them through their selectors.
"""

from __future__ import annotations

from typing import Any, cast

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicloop.core.models import ApiKey, AuditEvent, Membership, Organization, Person
from civicloop.core.permissions import Ability, Principal
from civicloop.market import selectors as market_selectors
from civicloop.participation import selectors as participation_selectors
from civicloop.privacy.signals import personal_data_exporting

EXPORT_FORMAT = "civicloop-personal-data/1"

FEEDBACK_NOTE = (
    "Survey responses are pseudonymous and never linked to your account. To see or erase "
    "them, give the unit the respondent id of the service or device you answered from; its "
    "staff run the request under 'Data subject requests'."
)


def erasable_people(*, viewer: Principal) -> QuerySet[Person]:
    """People the viewer may erase: every role they hold is in a unit where the viewer may
    manage data subjects, or in an agency or jurisdiction of such a unit. Vendors (companies
    are shared across units), people of several units, operators (Django admin rights) and the
    viewer are excluded: the operator's `erase_person` command handles those."""
    units = sorted(viewer.units_with(Ability.MANAGE_DATA_SUBJECTS))
    if not units:
        return Person.objects.none()
    allowed = Organization.objects.filter(Q(pk__in=units) | Q(unit_id__in=units))
    outside = Membership.objects.exclude(organization__in=allowed)
    qs = (
        Person.objects.filter(
            memberships__organization__in=allowed, is_superuser=False, is_staff=False
        )
        .exclude(memberships__in=outside)
        .distinct()
    )
    if viewer.person is not None:
        qs = qs.exclude(pk=viewer.person.pk)
    return qs


def erasable_person_get(*, viewer: Principal, pk: int) -> Person:
    person = erasable_people(viewer=viewer).filter(pk=pk).first()
    if person is None:
        raise Http404("Not found")
    return person


def erasable_person_find(*, viewer: Principal, email: str) -> Person | None:
    return erasable_people(viewer=viewer).filter(email__iexact=email.strip()).first()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _authored_records(person: Person) -> list[dict[str, Any]]:
    """Rows of any model that name the person by reference (the kind and id, not the content)."""
    skip = {"core.membership", "core.apikey", "account.emailaddress", "mfa.authenticator"}
    rows: list[dict[str, Any]] = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in skip or label.split(".")[1].startswith("historical"):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Person:
                for pk in model._default_manager.filter(**{f.name: person}).values_list(
                    "pk", flat=True
                ):
                    rows.append({"record": label, "id": pk, "as": f.name})
    return rows


def _account_sections(person: Person) -> dict[str, Any]:
    """The person, their roles, sign-in addresses, second factors and the API keys they made."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "person": {
            "id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "preferred_language": person.preferred_language,
            "date_joined": _iso(person.date_joined),
            "last_login": _iso(person.last_login),
            "is_active": person.is_active,
        },
        "memberships": [
            {
                "organization_id": m.organization_id,
                "organization": m.organization.name,
                "organization_kind": m.organization.kind,
                "role": m.role,
                "since": _iso(m.created_at),
            }
            for m in Membership.objects.filter(person=person).select_related("organization")
        ],
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=person)
        ],
        "two_factor_authenticators": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=person)
        ],
        "api_keys_created": [
            {
                "id": k.pk,
                "name": k.name,
                "prefix": k.prefix,
                "scope": k.scope,
                "organization": k.organization.name,
                "created_at": _iso(k.created_at),
                "last_used_at": _iso(k.last_used_at),
                "revoked_at": _iso(k.revoked_at),
            }
            for k in ApiKey.objects.filter(created_by=person).select_related("organization")
        ],
    }


def _activity_sections(person: Person) -> dict[str, Any]:
    """What the person did: audit events they caused and their sign-in history."""
    from axes.models import AccessFailureLog, AccessLog

    by_name = Q(pk__in=[])
    for name in [n for n in {person.email, person.username} if n]:
        by_name |= Q(username__iexact=name)
    return {
        "audit_events_as_actor": [
            {
                "sequence": e.sequence,
                "occurred_at": _iso(e.occurred_at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "organization_id": e.organization_id,
            }
            for e in AuditEvent.objects.filter(actor=person).order_by("sequence")
        ],
        "sign_in_history": [
            {
                "signed_in_at": _iso(a.attempt_time),
                "signed_out_at": _iso(a.logout_time),
                "ip_address": a.ip_address,
                "user_agent": a.user_agent,
            }
            for a in AccessLog.objects.filter(by_name).order_by("attempt_time")
        ],
        "failed_sign_ins": [
            {
                "attempted_at": _iso(a.attempt_time),
                "ip_address": a.ip_address,
                "user_agent": a.user_agent,
                "locked_out": a.locked_out,
            }
            for a in AccessFailureLog.objects.filter(by_name).order_by("attempt_time")
        ],
    }


def _proposals_submitted(viewer: Principal, person: Person) -> list[dict[str, Any]]:
    """The proposals the person submitted that they may still read (never other vendors')."""
    return [
        {
            "id": p.id,
            "code": p.code,
            "challenge_id": p.challenge_id,
            "challenge": p.challenge_title,
            "vendor": p.vendor_name,
            "status": p.status,
            "revision": p.revision,
            "submitted_at": _iso(p.submitted_at),
            "price": str(p.price) if p.price is not None else None,
            "currency": p.currency,
        }
        for p in market_selectors.proposal_list_submitted_by(viewer=viewer, person=person)
    ]


def personal_data_export(*, viewer: Principal) -> dict[str, Any]:
    """Everything CivicLoop holds about the signed-in person, as plain JSON (Arts. 15 and 20).

    Secrets are never included (password hash, API key hashes, authenticator secrets), nor
    anything the person may not already read (sealed content of other vendors' proposals).
    """
    person = viewer.person
    if person is None:
        raise PermissionError("A personal data export is for a signed-in person, not an API key.")
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        **_account_sections(person),
        **_activity_sections(person),
        "proposals_submitted": _proposals_submitted(viewer, person),
        **participation_selectors.personal_data(person=person),
    }
    for receiver, answer in personal_data_exporting.send(sender=Person, person=person):
        sections = cast(dict[str, Any], answer)
        clash = set(sections) & set(data)
        if clash:
            raise ValueError(f"{receiver!r} would overwrite export sections {sorted(clash)}")
        data.update(sections)
    data["records_naming_you"] = _authored_records(person)
    data["feedback"] = FEEDBACK_NOTE
    return data
