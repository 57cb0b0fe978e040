"""Vendors: a company's own profile and matches; the unit's list, verification, invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, units_for
from civicloop.market import forms, selectors, services
from civicloop.market.models import Challenge, VendorProfile
from civicloop.market.views._common import choose_company, flash_refusal, page_company
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def _profile_initial(vendor: Organization, profile: VendorProfile | None) -> dict[str, object]:
    if profile is None:
        return {}
    return {
        "sme_size": vendor.sme_size,
        "founding_year": profile.founding_year,
        "capabilities": profile.capabilities,
        "sectors": ", ".join(profile.sectors),
        "countries": ", ".join(profile.countries),
        "references": profile.references,
        "website": profile.website,
    }


def _register(viewer: Principal, vendor: Organization, form: forms.VendorForm) -> bool:
    """Save the profile through the service; False (errors on the form) when it refuses."""
    data = dict(form.cleaned_data)
    data["sectors"] = [s for s in data["sectors"].split(",") if s.strip()]
    data["countries"] = [s for s in data["countries"].split(",") if s.strip()]
    try:
        services.vendor_register(actor=viewer, organization=vendor, **data)
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def vendor_profile(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    try:
        vendor = page_company(request)
    except Http404:
        if not selectors.awaiting_confirmation(viewer=viewer):
            raise
        # Registered but not confirmed: say what to do (the gate refuses every company action).
        return render(
            request,
            "market/confirm_first.html",
            {"page_title": _("Confirm your e-mail address first")},
            status=403,
        )
    if vendor is None:
        return choose_company(request, title=_("Your vendor profile"))
    profile = selectors.vendor_profile_of(viewer=viewer, vendor=vendor)
    form = forms.VendorForm(request.POST or None, initial=_profile_initial(vendor, profile))
    if request.method == "POST" and form.is_valid() and _register(viewer, vendor, form):
        messages.success(request, _("Profile saved; the unit will verify it."))
        return redirect("market:vendor")
    return render(
        request,
        "market/vendor.html",
        {
            "page_title": _("Your vendor profile"),
            "form": form,
            "vendor": vendor,
            "profile": profile,
            "matches": selectors.challenge_matches(viewer=viewer, vendor=vendor),
            "subscription_form": _subscription_form(viewer, vendor),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    if request.method == "POST":
        profile = selectors.vendor_get(viewer=viewer, pk=int(request.POST.get("profile") or 0))
        unit_id = request.POST.get("unit") or ""
        try:
            services.vendor_verify(
                actor=viewer,
                profile=profile,
                unit=int(unit_id) if unit_id.isdigit() and len(unit_id) < 19 else None,
                note=request.POST.get("note", ""),
            )
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            messages.success(request, _("Vendor verified for your unit."))
        return redirect("market:vendors")
    managed = viewer.units_with(Ability.MANAGE_MARKET)
    return render(
        request,
        "market/vendors.html",
        {
            "page_title": _("Vendors"),
            "page": page_of(request, selectors.vendor_list(viewer=viewer)),
            "can_verify": bool(managed),
            "verifying_units": units_for(viewer, Ability.MANAGE_MARKET) if len(managed) > 1 else [],
        },
    )


def invite_vendor(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    vendor = Organization.objects.filter(
        pk=request.POST.get("vendor") or 0, kind=OrganizationKind.COMPANY
    ).first()
    if vendor is None:
        raise Http404("Not found")
    services.vendor_invite(actor=viewer, challenge=challenge, vendor=vendor)


def _terms(text: str) -> list[str]:
    return [t for t in text.split(",") if t.strip()]


def _subscription_form(viewer: Principal, vendor: Organization) -> forms.SubscriptionForm:
    sub = selectors.vendor_subscription_of(viewer=viewer, vendor=vendor)
    initial: dict[str, object] = {"active": True}
    if sub is not None:
        initial = {
            "sectors": ", ".join(sub.sectors),
            "keywords": ", ".join(sub.keywords),
            "active": sub.active,
        }
    return forms.SubscriptionForm(initial=initial)


@login_required
@require_http_methods(["POST"])
def vendor_subscription(request: HttpRequest) -> HttpResponse:
    """The company's subscription to matching challenges (sectors, keywords), from its page."""
    viewer = principal(request)
    vendor = page_company(request)
    if vendor is None:
        return choose_company(request, title=_("Your vendor profile"))
    form = forms.SubscriptionForm(request.POST)
    if form.is_valid():
        try:
            services.vendor_subscribe(
                actor=viewer,
                organization=vendor,
                sectors=_terms(form.cleaned_data["sectors"]),
                keywords=_terms(form.cleaned_data["keywords"]),
                active=form.cleaned_data["active"],
            )
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            messages.success(request, _("Subscription saved."))
    return redirect("market:vendor")
