"""Notifications pages: a person's list and settings, the unsubscribe link, follows, webhooks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, units_for
from civicloop.notifications import forms, selectors, services
from civicloop.notifications.messages import render as render_notice
from civicloop.web.acting import page_unit
from civicloop.web.forms import apply_errors

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if request.method == "POST":
        services.notifications_mark_read(actor=viewer)
        messages.success(request, _("All notifications marked as read."))
        return redirect("notifications:list")
    page = Paginator(selectors.notification_list(viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(n, *render_notice(n.kind, n.params)) for n in page]
    return render(
        request,
        "notifications/list.html",
        {"page_title": _("Notifications"), "page": page, "rows": rows},
    )


@login_required
def unread(request: HttpRequest) -> HttpResponse:
    """The header's badge (fetched by htmx after the page)."""
    count = selectors.unread_count(viewer=principal(request))
    return render(request, "notifications/_unread.html", {"count": count})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    pref = selectors.preference_get(viewer=viewer)
    initial: dict[str, Any] = {"email_mode": pref.email_mode if pref else "immediate"}
    if pref is not None:
        own = {kind: pref.mode_for(kind) for kind in [*pref.kind_modes, *pref.muted_kinds]}
        initial |= {f"mode_{kind}": mode for kind, mode in own.items()}
    form = forms.PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                actor=viewer,
                email_mode=form.cleaned_data["email_mode"],
                kind_modes=form.kind_modes(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"page_title": _("Notification settings"), "form": form},
        status=422 if form.errors else 200,
    )


@csrf_exempt  # the signed token is the proof; mail clients POST one-click (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    done = False
    if request.method == "POST":
        try:
            services.unsubscribe(token=token)
        except ValidationError:
            raise Http404("Not found") from None
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"page_title": _("Stop notification e-mails"), "done": done, "token": token},
    )


def _followed(request: HttpRequest, data: Any) -> tuple[str, str, str]:
    """(type, id, model label) of an object the person can see; anything else answers 404."""
    kind = data.get("type", "")
    raw = data.get("id", "")
    if not raw.isdigit() or len(raw) > 18:
        raise Http404("Not found")
    label = selectors.follow_target(viewer=principal(request), kind=kind, object_id=int(raw))
    return kind, raw, label


@login_required
def follow_button(request: HttpRequest) -> HttpResponse:
    """The Follow / Stop following form for an object's page (fetched by htmx after it)."""
    kind, raw, label = _followed(request, request.GET)
    following = selectors.is_following(viewer=principal(request), object_type=label, object_id=raw)
    return render(
        request,
        "notifications/_follow_form.html",
        {
            "follow_type": kind,
            "follow_id": raw,
            "follow_next": request.GET.get("next", ""),
            "following": following,
        },
    )


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow (or stop following) an object the person can see; others answer 404."""
    viewer = principal(request)
    _kind, raw, label = _followed(request, request.POST)
    on = request.POST.get("follow", "1") == "1"
    services.follow_set(actor=viewer, object_type=label, object_id=raw, follow=on)
    messages.success(request, _("You follow it now.") if on else _("You no longer follow it."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notifications:list"
    return redirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_SETTINGS):
        raise Http404("Not found")
    form = forms.WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        unit = page_unit(request, Ability.MANAGE_SETTINGS)
        if unit is None:
            form.add_error(None, _("Choose the unit this webhook belongs to."))
        else:
            try:
                created = services.webhook_create(actor=viewer, unit=unit, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                form = forms.WebhookForm()
    return render(
        request,
        "notifications/webhooks.html",
        {
            "page_title": _("Webhooks"),
            "form": form,
            "created": created,
            "endpoints": selectors.webhook_list(viewer=viewer),
            "units": units_for(viewer, Ability.MANAGE_SETTINGS),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    endpoint = selectors.webhook_get(viewer=viewer, pk=pk)
    if request.method == "POST":
        services.webhook_disable(actor=viewer, endpoint=endpoint)
        messages.success(request, _("Webhook switched off."))
        return redirect("notifications:webhook", pk=endpoint.pk)
    return render(
        request,
        "notifications/webhook.html",
        {
            "page_title": _("Webhook deliveries"),
            "endpoint": endpoint,
            "deliveries": selectors.delivery_list(viewer=viewer, endpoint=endpoint),
        },
    )
