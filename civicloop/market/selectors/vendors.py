"""Vendors: profiles with the verifications a viewer may see, and matching by text."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from civicloop.core.models import Organization, Role
from civicloop.core.permissions import Ability, Principal
from civicloop.market import similarity
from civicloop.market.models import (
    Challenge,
    ChallengeStatus,
    VendorProfile,
    VendorSubscription,
    VendorVerification,
)


def vendor_list(
    *, viewer: Principal, verified_only: bool = False, unit_id: int | None = None
) -> QuerySet[VendorProfile]:
    """Vendor profiles: the unit sees all; a vendor sees its own.

    Each profile carries `visible_verifications`: those of the viewer's own units (of `unit_id`
    alone, when given), or every unit's for the vendor itself. `verified_only` keeps profiles
    that one of those units verified; another unit's verification counts for nothing.
    """
    units = viewer.units_with(Ability.VIEW_MARKET)
    if unit_id is not None:
        units = units & {unit_id}
    own = viewer.organizations([Role.VENDOR])
    qs = VendorProfile.objects.select_related("organization")
    if not viewer.units_with(Ability.VIEW_MARKET):
        qs = qs.filter(organization_id__in=sorted(own))
    visible = Q(organization_id__in=sorted(units)) | Q(profile__organization_id__in=sorted(own))
    if verified_only:
        qs = qs.filter(verifications__organization_id__in=sorted(units)).distinct()
    verifications = VendorVerification.objects.filter(visible).select_related(
        "organization", "verified_by"
    )
    return qs.prefetch_related(
        Prefetch("verifications", queryset=verifications, to_attr="visible_verifications")
    ).order_by("organization__name")


def vendor_get(*, viewer: Principal, pk: int) -> VendorProfile:
    profile = vendor_list(viewer=viewer).filter(pk=pk).first()
    if profile is None:
        raise Http404("Not found")
    return profile


def _challenge_text(c: Challenge) -> str:
    return " ".join([c.title, c.summary, c.context, c.outcomes_sought, c.users_affected])


def _vendor_text(p: VendorProfile) -> str:
    return " ".join([p.capabilities, " ".join(p.sectors), p.references])


@dataclass(frozen=True)
class VendorMatch:
    profile: VendorProfile
    similarity: float
    verified: bool  # by the challenge's unit


def vendor_matches(
    *,
    viewer: Principal,
    challenge: Challenge,
    verified_only: bool = True,
    sme_only: bool = False,
    country: str | None = None,
) -> list[VendorMatch]:
    """Vendors whose profile reads like the challenge, after the filters, best first."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    profiles = list(
        vendor_list(viewer=viewer, verified_only=verified_only, unit_id=challenge.unit_id)
    )
    if sme_only:
        profiles = [p for p in profiles if p.organization.sme_size in ("micro", "small", "medium")]
    if country:
        profiles = [p for p in profiles if country.upper() in p.countries]
    scores = similarity.rank_against(
        _challenge_text(challenge), [_vendor_text(p) for p in profiles]
    )
    matches = [
        VendorMatch(p, round(s, 3), bool(p.visible_verifications))  # type: ignore[attr-defined]
        for p, s in zip(profiles, scores, strict=True)
    ]
    return sorted(matches, key=lambda m: (-m.similarity, m.profile.organization.name))


@dataclass(frozen=True)
class ChallengeMatch:
    challenge: Challenge
    similarity: float
    invited: bool


def challenge_matches(*, viewer: Principal, vendor: Organization) -> list[ChallengeMatch]:
    """Published challenges still taking input, ranked by fit with the vendor's profile."""
    if vendor.pk not in viewer.organizations([Role.VENDOR]):
        raise Http404("Not found")
    profile = VendorProfile.objects.filter(organization=vendor).first()
    challenges = list(
        Challenge.objects.filter(
            status__in=[ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN]
        ).order_by("pk")
    )
    text = _vendor_text(profile) if profile else vendor.name
    scores = similarity.rank_against(text, [_challenge_text(c) for c in challenges])
    invited = set(vendor_invitations(vendor=vendor))
    matches = [
        ChallengeMatch(c, round(s, 3), c.pk in invited)
        for c, s in zip(challenges, scores, strict=True)
    ]
    return sorted(matches, key=lambda m: (not m.invited, -m.similarity))


def vendor_invitations(*, vendor: Organization) -> list[int]:
    """Ids of the challenges a company was invited to."""
    return list(Challenge.objects.filter(invitations__vendor=vendor).values_list("pk", flat=True))


def vendor_profile_of(*, viewer: Principal, vendor: Organization) -> VendorProfile | None:
    """The profile of a company the viewer acts for, if it has registered one."""
    return vendor_list(viewer=viewer).filter(organization=vendor).first()


def vendor_subscription_of(*, viewer: Principal, vendor: Organization) -> VendorSubscription | None:
    """The subscription of a company the viewer acts for (None before it subscribes)."""
    if vendor.pk not in viewer.organizations([Role.VENDOR]):
        raise Http404("Not found")
    return VendorSubscription.objects.filter(organization=vendor).first()


def _term_in(term: str, text: str) -> bool:
    return f" {term} " in f" {text} "


def challenge_subscribers(*, challenge: Challenge) -> list[int]:
    """Ids of the companies whose active subscription matches a published challenge.

    System read for notifications (no viewer: it answers only ids, for a challenge that is
    public). A subscription matches when one of its keywords or sectors appears as words in the
    challenge's text; one with neither uses the sectors of the company's profile.
    """
    if not challenge.is_public:
        return []
    text = _words(challenge)
    subscriptions = VendorSubscription.objects.filter(active=True).select_related(
        "organization__vendor_profile"
    )
    return [
        sub.organization_id
        for sub in subscriptions.order_by("organization_id")
        if any(_term_in(t, text) for t in _subscription_terms(sub))
    ]


def _words(challenge: Challenge) -> str:
    return " ".join(_challenge_text(challenge).lower().replace(",", " ").split())


def _subscription_terms(sub: VendorSubscription) -> list[str]:
    """Its keywords and sectors; with neither, the sectors of the company's profile."""
    terms = list(sub.keywords) + list(sub.sectors)
    if not terms:
        profile = getattr(sub.organization, "vendor_profile", None)
        terms = [s.lower() for s in (profile.sectors if profile else [])]
    return terms


def subscription_challenges(*, viewer: Principal, vendor: Organization) -> list[Challenge]:
    """The published challenges still taking input (consultation or open) that the company's
    subscription matches, as it would be told of them; soonest deadline first. A company the
    viewer does not act for answers 404; no subscription, or a paused one, matches nothing."""
    if vendor.pk not in viewer.organizations([Role.VENDOR]):
        raise Http404("Not found")
    sub = (
        VendorSubscription.objects.select_related("organization__vendor_profile")
        .filter(organization=vendor, active=True)
        .first()
    )
    if sub is None:
        return []
    terms = _subscription_terms(sub)
    open_now = Challenge.objects.filter(
        status__in=[ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN]
    ).order_by(F("submission_deadline").asc(nulls_last=True), "pk")
    return [c for c in open_now if any(_term_in(t, _words(c)) for t in terms)]


def awaiting_confirmation(*, viewer: Principal) -> bool:
    """Did the viewer register a company themselves and not yet confirm their address?"""
    from allauth.account.models import EmailAddress

    from civicloop.core.permissions import SELF_REGISTERED_GROUP

    person = viewer.person
    if person is None or not person.groups.filter(name=SELF_REGISTERED_GROUP).exists():
        return False
    return not EmailAddress.objects.filter(
        user=person, email__iexact=person.email, verified=True
    ).exists()
