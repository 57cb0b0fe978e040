"""A company signs itself up (the one page where an anonymous visitor creates an account).

Abuse rules, each with its figure (docs/market/vendors.md):
- rate limit: at most `CIVICLOOP_SIGNUP_RATE_LIMIT` attempts (default 5) per client address
  per `CIVICLOOP_SIGNUP_RATE_WINDOW` seconds (default 60); the address is the one the trusted
  proxies report (`web.observability.client_address`), counted as a keyed hash, never stored.
  Over the limit: 429 and nothing created.
- honeypot: a hidden field people never see; filled in, the answer looks like success and
  nothing is created or sent.
- a company name already registered in the country gets the same answer as a new one too, and
  the address a mail saying the name is in use (`core.auth.signup_company_name_taken`): the
  page enumerates no companies either.
- an address that already has an account gets the same answer as a new one (the "check your
  e-mail" redirect, after the same password hashing) and its owner a mail saying someone tried
  to register with it (`core.auth.signup_existing_address`): the page enumerates no accounts.
- the address must be confirmed (allauth's mandatory verification for this sign-up) before the
  person may act for the company at all (`core.permissions.principal_for_person`).
"""

from __future__ import annotations

import hashlib
import hmac

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.signup import complete_signup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.auth import signup_company_name_taken, signup_existing_address
from civicloop.market import forms, services
from civicloop.web.forms import apply_errors
from civicloop.web.observability import client_address
from civicloop.web.ratelimit import window_count


def signup_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "CIVICLOOP_SIGNUP_RATE_LIMIT", 5)),
        int(getattr(settings, "CIVICLOOP_SIGNUP_RATE_WINDOW", 60)),
    )


def signup_rate_limited(request: HttpRequest) -> bool:
    """Count one attempt from this client; True when over the limit for the current window."""
    limit, window = signup_limits()
    address = str(client_address(request) or "unknown")
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return window_count(f"signup:rl:{digest.hexdigest()[:32]}", window) > limit


def _render(request: HttpRequest, form: forms.CompanySignUpForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "market/signup.html",
        {
            "page_title": _("Register your company"),
            "form": form,
            "honeypot": forms.SIGNUP_HONEYPOT,
        },
        status=status,
    )


def _sign_up(request: HttpRequest, form: forms.CompanySignUpForm) -> HttpResponseBase | None:
    data = form.cleaned_data
    try:
        created = services.company_sign_up(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            company_name=data["company_name"],
            country=data["country"],
            founding_year=data["founding_year"],
            staff_headcount=data["staff_headcount"],
            annual_turnover_eur=data["annual_turnover_eur"],
            balance_sheet_eur=data["balance_sheet_eur"],
            language=data["language"],
        )
    except ValidationError as error:
        apply_errors(form, error)
        return None
    except services.AddressTaken as taken:
        # The same answer as below, and a mail to the address's owner: the page never says
        # whether an address has an account.
        return signup_existing_address(request, taken.email, data["password1"])
    except services.CompanyNameTaken as refused:
        # Nor whether a company exists: the same answer, a mail to the address saying the
        # name is in use, and the attempt in the company's audit log.
        services.company_name_claim_record(refused=refused)
        return signup_company_name_taken(
            request, refused.email, refused.company.name, refused.language, data["password1"]
        )
    # allauth sends the verification mail and, verification being mandatory for this sign-up,
    # answers "check your e-mail" without signing the person in.
    return complete_signup(
        request,
        user=created.person,
        email_verification=allauth_settings.EmailVerificationMethod.MANDATORY,
    )


@require_http_methods(["GET", "POST"])
def company_signup(request: HttpRequest) -> HttpResponseBase:
    if not get_adapter(request).is_open_for_signup(request):
        raise Http404("Not found")
    if request.method == "GET":
        return _render(
            request, forms.CompanySignUpForm(initial={"language": request.LANGUAGE_CODE})
        )
    if signup_rate_limited(request):
        limit, window = signup_limits()
        form = forms.CompanySignUpForm(request.POST)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Too many registrations from your network: at most %(limit)s in %(window)s "
                "seconds. Wait a minute and try again."
            )
            % {"limit": limit, "window": window},
        )
        return _render(request, form, status=429)
    if str(request.POST.get(forms.SIGNUP_HONEYPOT, "")).strip():
        # A bot: answer as allauth does after a sign-up (the same redirect), create and send
        # nothing.
        return redirect("account_email_verification_sent")
    form = forms.CompanySignUpForm(request.POST)
    if form.is_valid():
        response = _sign_up(request, form)
        if response is not None:
            return response
    return _render(request, form, status=422)
