"""Two-factor authentication policy (issue 12, F5; OWASP ASVS V2.2/V4.3).

Three rules, on top of allauth's own TOTP sign-in:

1. A person who has an authenticator is signed in only by a session that completed the second
   factor (allauth records it). A session that got in some other way (Django's own admin login,
   ``django.contrib.auth.login`` anywhere) is signed out on its next request.
2. People in a role listed in ``CIVICLOOP_MFA_REQUIRED_ROLES`` ("admin" meaning ``is_staff`` or
   ``is_superuser``) who have no authenticator are sent to the TOTP activation page and may reach
   only enrolment, sign-out and static files until they enrol; the API answers their session
   403 problem+json (``civicloop.core.http.SessionAuth``).
3. Nobody creates an API key before enrolling (``civicloop.core.services.apikey_create``).

``CIVICLOOP_MFA_EXEMPT_EMAILS`` (shell-style patterns) exempts the demo accounts under
``config.settings.dev`` only; production settings empty it.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core import checks
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicloop.core.models import Membership, Person, Role

ADMIN_ROLE = "admin"  # pseudo-role of CIVICLOOP_MFA_REQUIRED_ROLES: is_staff or is_superuser
DEFAULT_REQUIRED_ROLES = [
    Role.UNIT_STAFF.value,
    Role.EVALUATOR.value,
    Role.AUDITOR.value,
    ADMIN_ROLE,
]
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

# Session keys: the person who enrolled in this session (proved the code while activating), and
# the person whose session was found to need nothing more (roles are read once per sign-in).
_ENROLLED_KEY = "civicloop_mfa_enrolled"
_CLEARED_KEY = "civicloop_mfa_cleared"

ENROL_MESSAGE = _(
    "Your role requires two-factor authentication. Set up an authenticator app below to "
    "continue; until then you can only enrol or sign out."
)


def required_roles() -> list[str]:
    return list(getattr(settings, "CIVICLOOP_MFA_REQUIRED_ROLES", DEFAULT_REQUIRED_ROLES))


def has_second_factor(person: Person) -> bool:
    """Does ``person`` have an active TOTP (or WebAuthn) authenticator?"""
    return Authenticator.objects.filter(user_id=person.pk, type__in=SECOND_FACTORS).exists()


def is_exempt(person: Person) -> bool:
    email = (person.email or "").strip().lower()
    patterns = getattr(settings, "CIVICLOOP_MFA_EXEMPT_EMAILS", [])
    return bool(email) and any(fnmatchcase(email, p.strip().lower()) for p in patterns)


def mfa_required_for(person: Person) -> bool:
    """Is ``person`` in a role of ``CIVICLOOP_MFA_REQUIRED_ROLES`` (and not exempt)?"""
    roles = set(required_roles())
    if not roles or is_exempt(person):
        return False
    if ADMIN_ROLE in roles and (person.is_staff or person.is_superuser):
        return True
    return Membership.objects.filter(person=person, role__in=roles - {ADMIN_ROLE}).exists()


def must_enrol(person: Person) -> bool:
    """Must ``person`` set up an authenticator before doing anything else?"""
    return mfa_required_for(person) and not has_second_factor(person)


def may_create_api_key(person: Person) -> bool:
    """An API key outlives the session that made it: only people who enrolled may mint one."""
    return is_exempt(person) or has_second_factor(person)


def session_passed_mfa(request: HttpRequest, person: Person) -> bool:
    """Did this session prove the second factor (at sign-in, or by enrolling in it)?"""
    if request.session.get(_ENROLLED_KEY) == person.pk:
        return True
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, person))


def session_needs_enrolment(request: HttpRequest) -> bool:
    """Set by the middleware: the signed-in person must enrol before doing anything else."""
    return bool(getattr(request, "_civicloop_must_enrol", False))


class MfaPolicyMiddleware:
    """Rules 1 and 2 above; placed after authentication and allauth's middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.session.get(_CLEARED_KEY) == user.pk:
            return self.get_response(request)
        person: Person = user  # type: ignore[assignment]
        refused = self._enforce(request, person)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if (
            request.method == "POST"
            and request.path.startswith(reverse("mfa_index"))
            and request.user.is_authenticated
            and has_second_factor(person)
        ):
            # Activating TOTP means typing a valid code: this session proved the second factor.
            # (allauth's authenticator_added signal fires on commit, too late for this request.)
            request.session[_ENROLLED_KEY] = person.pk
        return response

    def _enforce(self, request: HttpRequest, person: Person) -> HttpResponse | None:
        if session_passed_mfa(request, person):
            request.session[_CLEARED_KEY] = person.pk
            return None
        if has_second_factor(person):
            # Signed in without the second factor this person has: not signed in at all.
            logout(request)
            return None
        if not mfa_required_for(person):
            request.session[_CLEARED_KEY] = person.pk
            return None
        request._civicloop_must_enrol = True  # type: ignore[attr-defined]
        if request.path.startswith("/api/") or self._allowed(request.path):
            return None  # the API's SessionAuth answers 403 problem+json itself
        messages.warning(request, ENROL_MESSAGE)
        return HttpResponseRedirect(reverse("mfa_activate_totp"))

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed = (
            reverse("mfa_index"),  # enrolment: /accounts/2fa/...
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            reverse("set_language"),
            settings.STATIC_URL or "/static/",
            "/healthz",
        )
        return path.startswith(allowed)


@checks.register(checks.Tags.security)
def check_mfa_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    known = {*Role.values, ADMIN_ROLE}
    unknown = sorted(set(required_roles()) - known)
    if unknown:
        return [
            checks.Error(
                f"CIVICLOOP_MFA_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}",
                hint=f"Use any of: {', '.join(sorted(known))}.",
                id="civicloop.E101",
            )
        ]
    return []
