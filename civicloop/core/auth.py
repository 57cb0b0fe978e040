"""Sign-in policy: sign-up only for a company registering itself (and citizens, from their own
page), where a person lands after signing in, and a clear page when
django-axes locks an account out."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.internal.flows.email_verification import (
    add_email_verification_sent_message,
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from civicloop.core.permissions import Ability, principal_for_person

COMPANY_SIGNUP_VIEW = "market:company_signup"

LOCKED_MESSAGE = (
    "Too many failed sign-in attempts: this account is locked for 30 minutes. "
    "Try again later or ask your unit's administrator to unlock it."
)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People are invited into organisations by their unit; the one exception is a company
        # registering itself on its own page (market:company_signup, with e-mail verification,
        # a rate limit and a honeypot). allauth's own /accounts/signup/ stays closed.
        match = getattr(request, "resolver_match", None)
        return match is not None and match.view_name == COMPANY_SIGNUP_VIEW

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Each role lands on a page it can see (`landing_url`); a `next` still wins (allauth
        # reads it before asking the adapter).
        return landing_url(request) or super().get_login_redirect_url(request)

    def send_account_already_exists_mail(self, email: str) -> None:
        """Tell the owner of an address that someone tried to register with it (sign-up never
        says so on the page: `signup_existing_address`), in the owner's language."""
        from allauth.core import context as allauth_context

        from civicloop.core.models import Person

        request = allauth_context.request
        owner = Person.objects.filter(email__iexact=email).first()
        language = (owner.preferred_language if owner else "") or translation.get_language()
        with translation.override(language):
            subject = gettext("Someone tried to register with your e-mail address")
            body = gettext(
                "Someone, perhaps you, tried to register a new account with this e-mail address "
                "(%(email)s). It already has an account, so nothing was created or changed. If it "
                "was you, sign in: %(login_url)s. If you have forgotten your password, reset it: "
                "%(reset_url)s. If it was not you, you can ignore this e-mail."
            ) % {
                "email": email,
                "login_url": request.build_absolute_uri(reverse("account_login")),
                "reset_url": request.build_absolute_uri(reverse("account_reset_password")),
            }
            self.send_mail(
                "account/email/account_already_exists", email, {"subject": subject, "body": body}
            )

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        from axes.handlers.proxy import AxesProxyHandler

        if AxesProxyHandler.is_locked(request, credentials):
            raise forms.ValidationError(LOCKED_MESSAGE)
        super().pre_authenticate(request, **credentials)


def signup_existing_address(
    request: HttpRequest, email: str, password: str = ""
) -> HttpResponseBase:
    """The answer to a sign-up whose address already has an account: the same as a new
    sign-up's (the "check your e-mail" redirect and message, after hashing the password so the
    time taken is of the same order), and a mail to the address telling its owner. Nothing is
    created. Every sign-up page answers through this (issue 16: no account enumeration)."""
    if password:
        make_password(password)  # a new sign-up spends this hashing the password it stores
    send_verification_email_to_address(request, EmailAddress(email=email), signup=True)
    return _as_if_signed_up(request)


def _as_if_signed_up(request: HttpRequest) -> HttpResponseBase:
    # A new sign-up leaves allauth's pending login in the session, so its answer sets the
    # session cookie: this one must too (the stored value is not visible to the visitor).
    request.session["civicloop_signup_pending"] = True
    return get_adapter(request).respond_email_verification_sent(request, None)


def signup_company_name_taken(
    request: HttpRequest, email: str, company_name: str, language: str, password: str = ""
) -> HttpResponseBase:
    """The answer to a company sign-up whose company name is registered in its country: the
    same as a new sign-up's (no page says which companies exist), and a mail to the address,
    in the applicant's language, saying the name is in use and how to join that company."""
    if password:
        make_password(password)  # a new sign-up spends this hashing the password it stores
    with translation.override(language or translation.get_language()):
        subject = gettext("Your company registration was not completed")
        body = gettext(
            "Someone, perhaps you, tried to register a company called %(name)s with this e-mail "
            "address. A company of this name in this country is already registered, so no "
            "account was created. If you work there, ask its people to invite you from their "
            "company's page. If it was not you, you can ignore this e-mail."
        ) % {"name": company_name}
        get_adapter(request).send_mail(
            "account/email/account_already_exists", email, {"subject": subject, "body": body}
        )
    add_email_verification_sent_message(request, email, signup=True)  # as a new sign-up shows
    return _as_if_signed_up(request)


def landing_url(request: HttpRequest) -> str | None:
    """Where a signed-in person lands (after signing in, and on ``/``): a page they can see.

    A citizen lands on the public proposals; a person who sees a portfolio (unit staff,
    evaluators, auditors, agency officials) on the portfolio; a person who acts only for a
    company (a vendor) on their company's dashboard (the portfolio answered them 404); anyone
    else (a jurisdiction, a research body, no role) on the public portal. None when nobody is
    signed in.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    citizen = citizen_landing(request)
    if citizen is not None:
        return citizen
    person = principal_for_person(user)
    if person.units_with(Ability.VIEW_PORTFOLIO) or person.agencies_with(Ability.VIEW_PORTFOLIO):
        return reverse("portfolio:list")
    if person.units_with(Ability.ACT_FOR_COMPANY):
        return reverse("market:vendor_dashboard")
    return reverse("portal:home")


def citizen_landing(request: HttpRequest) -> str | None:
    """Where a citizen with no role in any organisation lands after signing in.

    Citizens (a `participation.Citizen` profile, reached by its related name so core imports
    nothing above it) hold no membership: the back office's portfolio would be empty for them,
    so they land on the public proposals instead. A `next` still wins; everyone else is
    unchanged.
    """
    from django.urls import NoReverseMatch, reverse

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff or user.is_superuser:
        return None
    if not hasattr(user, "citizen") or user.memberships.exists():
        return None
    try:
        return reverse("participation:list")
    except NoReverseMatch:
        return None


def lockout_response(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    return render(request, "core/locked_out.html", {"page_title": "Account locked"}, status=429)


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The sign-in name for lockout: allauth posts `login`; its backends receive `email`."""
    credentials = credentials or {}
    name = (
        credentials.get("email")
        or credentials.get("username")
        or credentials.get("login")
        or (request.POST.get("login") if request is not None and request.method == "POST" else "")
        or ""
    )
    return str(name).strip().lower()
