"""Vendors: a company's profile, a unit's verification of it, invitations to a challenge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind, SmeSize
from civicloop.core.permissions import Ability, NoActingUnit, Principal, acting_unit, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    Invitation,
    VendorProfile,
    VendorSubscription,
    VendorVerification,
)


def _clean_list(values: Sequence[str], field: str, upper: bool = False) -> list[str]:
    out = []
    for value in values:
        v = str(value).strip()
        if not v:
            continue
        if upper:
            v = v.upper()
            if len(v) != 2 or not v.isalpha():
                raise ValidationError(
                    {field: _("'%(value)s' is not an ISO 3166-1 alpha-2 code.") % {"value": value}}
                )
        out.append(v)
    return sorted(set(out))


def _profile_fields(
    *,
    founding_year: int,
    capabilities: str,
    sectors: Sequence[str],
    countries: Sequence[str],
    references: str,
    website: str,
) -> dict[str, Any]:
    """The profile's stored values, checked (each refusal names its field)."""
    this_year = timezone.now().year
    if not 1800 <= int(founding_year) <= this_year:
        raise ValidationError(
            {
                "founding_year": _("The founding year must be 1800 to %(this_year)s.")
                % {"this_year": this_year}
            }
        )
    if len(capabilities.strip()) < 20:
        raise ValidationError(
            {"capabilities": _("Describe your capabilities in at least 20 characters.")}
        )
    return {
        "founding_year": int(founding_year),
        "capabilities": capabilities.strip(),
        "sectors": _clean_list(sectors, "sectors"),
        "countries": _clean_list(countries, "countries", upper=True),
        "references": references.strip(),
        "website": website.strip(),
    }


@transaction.atomic
def vendor_register(
    *,
    actor: Principal,
    organization: Organization,
    founding_year: int,
    capabilities: str,
    sme_size: str,
    sectors: Sequence[str] = (),
    countries: Sequence[str] = (),
    references: str = "",
    website: str = "",
) -> VendorProfile:
    """A company registers or updates its vendor profile; a change voids every verification."""
    require(actor, Ability.ACT_FOR_COMPANY, organization)
    if sme_size not in SmeSize.values:
        raise ValidationError(
            {"sme_size": _("Choose micro, small, medium or large (EU definition).")}
        )
    fields = _profile_fields(
        founding_year=founding_year,
        capabilities=capabilities,
        sectors=sectors,
        countries=countries,
        references=references,
        website=website,
    )
    existing = VendorProfile.objects.filter(organization=organization).first()
    changed = (
        existing is None
        or organization.sme_size != sme_size
        or any(getattr(existing, name) != value for name, value in fields.items())
    )
    if organization.sme_size != sme_size:
        organization.sme_size = sme_size
        organization.save(update_fields=["sme_size", "updated_at"])
    profile, created = VendorProfile.objects.update_or_create(
        organization=organization, defaults=fields
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_REGISTERED,
        obj=profile,
        organization=organization,
        after=model_snapshot(profile),
    )
    if changed:
        _verifications_reset(actor, profile)
    return profile


def _verifications_reset(actor: Principal, profile: VendorProfile) -> None:
    """What a unit verified no longer stands: each verifying unit is told in its audit log."""
    for verification in VendorVerification.objects.filter(profile=profile):
        audit_record(
            actor=actor,
            action=MarketEvent.VENDOR_VERIFICATION_RESET,
            obj=profile,
            organization=verification.organization_id,
            before=model_snapshot(verification, ["verified_by", "verified_at", "note"]),
            metadata={"reason": "the vendor changed its profile"},
        )
        verification.delete()


MAX_VERIFICATION_NOTE = 1000


@transaction.atomic
def vendor_verify(
    *,
    actor: Principal,
    profile: VendorProfile,
    unit: Organization | int | None = None,
    note: str = "",
) -> VendorVerification:
    """A unit confirms, for itself, that the company exists and its size class is right.

    The verifying unit is the one named, or the actor's only unit (`acting_unit`)."""
    try:
        unit_id = acting_unit(actor, Ability.MANAGE_MARKET, unit).pk
    except NoActingUnit:
        # Someone who manages no unit's market cannot verify: as if the vendor did not exist.
        raise Http404("Not found") from None
    note = note.strip()
    if len(note) > MAX_VERIFICATION_NOTE:
        raise ValidationError(
            {
                "note": _("The evidence note is at most %(count)s characters.")
                % {"count": MAX_VERIFICATION_NOTE}
            }
        )
    verification, _created = VendorVerification.objects.update_or_create(
        profile=profile,
        organization_id=unit_id,
        defaults={"verified_by": actor.person, "verified_at": timezone.now(), "note": note},
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_VERIFIED,
        obj=profile,
        organization=unit_id,
        after=model_snapshot(verification, ["verified_by", "verified_at", "note"]),
    )
    return verification


@transaction.atomic
def vendor_invite(
    *, actor: Principal, challenge: Challenge, vendor: Organization, message: str = ""
) -> Invitation:
    """The unit invites a company to a published challenge (once; again is a no-op)."""
    require(actor, Ability.MANAGE_MARKET, challenge.unit_id)
    if vendor.kind != OrganizationKind.COMPANY:
        raise ValidationError({"vendor": _("Only companies can be invited.")})
    if not challenge.is_public:
        raise ValidationError({"challenge": _("Publish the challenge before inviting vendors.")})
    if challenge.status not in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN):
        raise ValidationError(
            {"challenge": gettext("Vendors are invited while the call is in consultation or open.")}
        )
    invitation, _created = Invitation.objects.get_or_create(
        challenge=challenge,
        vendor=vendor,
        defaults={"invited_by": actor.person, "message": message.strip()},
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_INVITED,
        obj=invitation,
        organization=challenge.unit_id,
        metadata={"vendor_id": vendor.pk},
    )
    return invitation


MAX_SUBSCRIPTION_TERMS = 30


def _terms(values: Sequence[str], field: str) -> list[str]:
    terms = sorted({" ".join(str(v).split()).lower() for v in values if str(v).strip()})
    if len(terms) > MAX_SUBSCRIPTION_TERMS:
        raise ValidationError(
            {
                field: _("At most %(max)s terms; you gave %(given)s.")
                % {"max": MAX_SUBSCRIPTION_TERMS, "given": len(terms)}
            }
        )
    if any(len(t) < 2 or len(t) > 80 for t in terms):
        raise ValidationError({field: _("Each term is 2 to 80 characters.")})
    return terms


@transaction.atomic
def vendor_subscribe(
    *,
    actor: Principal,
    organization: Organization,
    sectors: Sequence[str] = (),
    keywords: Sequence[str] = (),
    active: bool = True,
) -> VendorSubscription:
    """A company says which published challenges it wants to hear about (sectors, keywords)."""
    require(actor, Ability.ACT_FOR_COMPANY, organization)
    subscription, _created = VendorSubscription.objects.update_or_create(
        organization=organization,
        defaults={
            "sectors": _terms(sectors, "sectors"),
            "keywords": _terms(keywords, "keywords"),
            "active": active,
        },
    )
    audit_record(
        actor=actor,
        action=MarketEvent.VENDOR_SUBSCRIBED,
        obj=subscription,
        organization=organization,
        after=model_snapshot(subscription, ["sectors", "keywords", "active"]),
    )
    return subscription
