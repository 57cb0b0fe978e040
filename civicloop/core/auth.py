"""Sign-in policy: sign-up only for a company registering itself, and a clear page when
django-axes locks an account out."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        from axes.handlers.proxy import AxesProxyHandler

        if AxesProxyHandler.is_locked(request, credentials):
            raise forms.ValidationError(LOCKED_MESSAGE)
        super().pre_authenticate(request, **credentials)


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
