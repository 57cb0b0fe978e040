"""People and organisations pages for unit admins, and the invitation link's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.models import Membership, Role
from civicloop.core.permissions import Ability, NoActingUnit, Principal, acting_unit
from civicloop.people import selectors, services
from civicloop.people.forms import (
    AcceptForm,
    AddRoleForm,
    ColleagueForm,
    InvitationForm,
    OrganizationForm,
    RoleForm,
)
from civicloop.web.forms import apply_errors

PAGE_SIZE = 50


def _admin(request: HttpRequest) -> Principal:
    """The signed-in admin; 404 for anyone who manages nobody."""
    viewer = principal(request)
    units = selectors.manageable_unit_ids(viewer)
    if units is not None and not units:
        raise Http404("Not found")
    return viewer


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _first_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _run(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    """Run one service call: its refusal, or `success`, is the message on the next page."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, success)


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    viewer = _admin(request)
    organizations = list(selectors.manageable_organizations(viewer=viewer))
    org_id = request.GET.get("organization", "")
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    rows = selectors.membership_list(
        viewer=viewer,
        organization_id=int(org_id) if org_id.isdigit() else None,
        role=role if role in Role.values else None,
        active={"active": True, "inactive": False}.get(status),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/list.html",
        {
            "page_title": _("People"),
            "page": page,
            "organizations": organizations,
            "roles": Role.choices,
            "selected": {"organization": org_id, "role": role, "status": status},
            "role_label": selectors.role_label,
            "pending": selectors.invitation_list(viewer=viewer, pending_only=True).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    viewer = _admin(request)
    organizations = list(selectors.manageable_organizations(viewer=viewer))
    initial = {"language": get_language() or "en", "organization": request.GET.get("organization")}
    form = InvitationForm(request.POST or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = selectors.organization_get(viewer=viewer, pk=data["organization"])
            sent = services.invitation_create(
                actor=viewer,
                organization=organization,
                email=data["email"],
                role=data["role"],
                full_name=data["full_name"],
                language=data["language"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works for %(days)s days.")
                % {"email": sent.invitation.email, "days": services.expiry_days()},
            )
            return redirect("people:invitations")
    return render(
        request,
        "people/invite.html",
        {"page_title": _("Invite someone"), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    viewer = _admin(request)
    rows = selectors.invitation_list(viewer=viewer, pending_only=request.GET.get("all") != "1")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/invitations.html",
        {
            "page_title": _("Invitations"),
            "page": page,
            "show_all": request.GET.get("all") == "1",
            "role_label": selectors.role_label,
        },
    )


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    invitation = selectors.invitation_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.invitation_resend(
            actor=viewer, invitation=invitation, base_url=_base_url(request)
        ),
        _("A new link was sent to %(email)s.") % {"email": invitation.email},
    )
    return redirect("people:invitations")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    invitation = selectors.invitation_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.invitation_revoke(actor=viewer, invitation=invitation),
        _("Invitation withdrawn: its link no longer works."),
    )
    return redirect("people:invitations")


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    person = selectors.person_get(viewer=viewer, pk=pk)
    managed = selectors.manageable_organizations(viewer=viewer)
    roles = []
    for membership in (
        Membership.objects.filter(person=person, organization__in=managed)
        .select_related("organization")
        .order_by("organization__name", "role")
    ):
        choices = [
            (r, selectors.role_label(membership.organization.kind, r))
            for r in selectors.roles_for_kind(membership.organization.kind)
        ]
        roles.append((membership, RoleForm(initial={"role": membership.role}, roles=choices)))
    others = Membership.objects.filter(person=person).exclude(organization__in=managed).count()
    return render(
        request,
        "people/person.html",
        {
            "page_title": person.display_name,
            "person": person,
            "roles": roles,
            "other_roles": others,
            "add_form": AddRoleForm(organizations=list(managed)),
            "role_label": selectors.role_label,
            "is_self": viewer.person is not None and viewer.person.pk == person.pk,
        },
    )


def _back_to(person_id: int) -> HttpResponse:
    return redirect("people:person", person_id)


@login_required
@require_POST
def person_role_add(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    person = selectors.person_get(viewer=viewer, pk=pk)
    form = AddRoleForm(
        request.POST, organizations=list(selectors.manageable_organizations(viewer=viewer))
    )
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return _back_to(person.pk)
    try:
        organization = selectors.organization_get(
            viewer=viewer, pk=form.cleaned_data["organization"]
        )
        services.person_role_add(
            actor=viewer, person=person, organization=organization, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        messages.success(request, _("Role added."))
    return _back_to(person.pk)


@login_required
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    membership = selectors.membership_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.membership_role_change(
            actor=viewer, membership=membership, role=request.POST.get("role", "")
        ),
        _("Role changed."),
    )
    return _back_to(membership.person_id)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    membership = selectors.membership_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.membership_remove(actor=viewer, membership=membership),
        _("Role removed."),
    )
    return _back_to(membership.person_id)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    person = selectors.person_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.person_deactivate(actor=viewer, person=person),
        _("%(name)s is deactivated: signed out everywhere, API keys they created revoked.")
        % {"name": person.display_name},
    )
    return _back_to(person.pk)


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _admin(request)
    person = selectors.person_get(viewer=viewer, pk=pk)
    _run(
        request,
        lambda: services.person_reactivate(actor=viewer, person=person),
        _("%(name)s can sign in again.") % {"name": person.display_name},
    )
    return _back_to(person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organizations(request: HttpRequest) -> HttpResponse:
    viewer = _admin(request)
    units = list(selectors.manageable_units(viewer=viewer))
    operator = selectors.is_operator(viewer)
    form = OrganizationForm(request.POST or None, units=units, may_create_unit=operator)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = None
            if data.get("unit"):
                unit = next((u for u in units if u.pk == data["unit"]), None)
                if unit is None:
                    raise Http404("Not found")
            elif len(units) == 1 and data["kind"] != "unit":
                unit = units[0]
            org = services.partner_organization_create(
                actor=viewer,
                kind=data["kind"],
                name=data["name"],
                unit=unit,
                country=data.get("country") or "",
                population=data.get("population"),
                sme_size=data.get("sme_size") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s created.") % {"name": org.name})
            return redirect("people:organizations")
    return render(
        request,
        "people/organizations.html",
        {
            "page_title": _("Organisations"),
            "form": form,
            "organizations": selectors.manageable_organizations(viewer=viewer),
            "operator": operator,
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    """The invitation link: choose a password (new account) or add the role (signed in)."""
    token = request.POST.get("token") or request.GET.get("token", "")
    invitation = selectors.invitation_for_token(token)
    problem = services.invitation_problem(invitation)
    context: dict[str, Any] = {
        "page_title": _("Accept your invitation"),
        "token": token,
        "problem": problem,
    }
    if problem is not None or invitation is None:
        return render(request, "people/accept.html", context, status=404)
    has_account = selectors.account_exists(invitation.email)
    signed_in = request.user if request.user.is_authenticated else None
    if has_account and (signed_in is None or signed_in.email.lower() != invitation.email):
        login = reverse("account_login") + "?" + urlencode({"next": request.get_full_path()})
        context.update(invitation=invitation, has_account=True, login_url=login)
        return render(request, "people/accept.html", context)
    form = AcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and (has_account or form.is_valid()):
        try:
            services.invitation_accept(
                token=token,
                password=form.cleaned_data.get("password1", "") if not has_account else "",
                full_name=form.cleaned_data.get("full_name", "") if not has_account else "",
                signed_in=signed_in,  # type: ignore[arg-type]
            )
        except services.AccountExists:
            return redirect(request.get_full_path())
        except ValidationError as error:
            apply_errors(form, error)
            if "password" in error.message_dict:
                form.add_error("password1", error.message_dict["password"])
        else:
            if has_account:
                messages.success(request, _("Your new role is ready."))
                return redirect("home")
            messages.success(
                request, _("Your account is ready. Sign in with your e-mail address and password.")
            )
            login = reverse("account_login") + "?" + urlencode({"email": invitation.email})
            return redirect(login)
    context.update(invitation=invitation, has_account=has_account, form=form)
    context["role"] = selectors.role_label(invitation.organization.kind, invitation.role)
    return render(request, "people/accept.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def company_invite(request: HttpRequest) -> HttpResponse:
    """A company's person invites a colleague into the company's account."""
    viewer = principal(request)
    chosen = request.POST.get("unit") or request.GET.get("unit") or ""
    try:
        company = acting_unit(
            viewer,
            Ability.ACT_FOR_COMPANY,
            int(chosen) if chosen.isdigit() and len(chosen) < 19 else None,
            field="unit",
        )
    except (NoActingUnit, ValidationError):
        raise Http404("Not found") from None
    form = ColleagueForm(request.POST or None, initial={"language": get_language() or "en"})
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.company_colleague_invite(
                actor=viewer,
                organization=company,
                base_url=_base_url(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works for %(days)s days.")
                % {"email": sent.invitation.email, "days": services.expiry_days()},
            )
            return redirect("market:vendor")
    return render(
        request,
        "people/company_invite.html",
        {"page_title": _("Invite a colleague"), "form": form, "company": company},
        status=422 if form.errors else 200,
    )
