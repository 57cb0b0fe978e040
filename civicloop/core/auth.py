"""Sign-in policy: no open sign-up, and a clear page when django-axes locks an account out."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People are invited into organisations by their unit; nobody signs themselves up.
        return False


def lockout_response(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    return render(request, "core/locked_out.html", {"page_title": "Account locked"}, status=429)
