"""A company's own dashboard: where a vendor lands after signing in (issue 15): its proposals
and their state, the calls that fit it, and its profile's verification."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.market import selectors
from civicloop.market.views._common import choose_company, page_company


@login_required
def vendor_dashboard(request: HttpRequest) -> HttpResponse:
    """The company the person acts for (asked when several); 404 for anyone who acts for none."""
    viewer = principal(request)
    vendor = page_company(request)
    if vendor is None:
        return choose_company(request, title=_("Your company's dashboard"))
    proposals = [p for p in selectors.proposal_list(viewer=viewer) if p.vendor_id == vendor.pk]
    return render(
        request,
        "market/dashboard.html",
        {
            "page_title": _("Your company's dashboard"),
            "vendor": vendor,
            "profile": selectors.vendor_profile_of(viewer=viewer, vendor=vendor),
            "proposals": proposals,
            "matches": selectors.challenge_matches(viewer=viewer, vendor=vendor),
        },
    )
