"""Settings pages (API keys), the audit log and the health check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core import health, selectors, services, timezones
from civicloop.core.audit import audit_verify
from civicloop.core.forms import (
    ApiKeyForm,
    AuditFilterForm,
    PrioritisationWeightsForm,
    TimeZoneForm,
)
from civicloop.core.http import principal
from civicloop.core.mfa import may_create_api_key
from civicloop.core.permissions import Ability, Principal, units_for
from civicloop.web import labels
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.exports import csv_response
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import keyset_page

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> HttpResponse:
    """What is up and what is down: the database, the task queue and the event store.

    503 with ``Retry-After`` when any of them is unavailable, naming each one that is.
    """
    from civicloop.web.failure import retry_after_seconds

    report = health.report()
    down = health.unavailable(report)
    response = JsonResponse(
        {
            "status": "degraded" if down else "ok",
            **report,
            "unavailable": down,
            "engine": connection.vendor,
        },
        status=503 if down else 200,
    )
    response["Cache-Control"] = "no-store"
    if down:
        response["Retry-After"] = str(retry_after_seconds())
    return response


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        from civicloop.core.auth import landing_url

        return redirect(landing_url(request) or "portfolio:list")
    return render(request, "core/home.html", {"page_title": _("Welcome")})


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = units_for(viewer, Ability.MANAGE_API_KEYS)
    if not units:
        raise Http404("Not found")
    form = ApiKeyForm(request.POST or None)
    created = None
    can_create = may_create_api_key(request.user)  # type: ignore[arg-type]
    status = 200
    if request.method == "POST" and not can_create:
        status = 403
    elif request.method == "POST" and form.is_valid():
        unit = page_unit(request, Ability.MANAGE_API_KEYS)
        if unit is None:  # the page's select names the unit whenever there are several
            return choose_unit(request, Ability.MANAGE_API_KEYS, title=_("API keys"))
        try:
            created = services.apikey_create(
                actor=viewer,
                organization=unit,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = ApiKeyForm()
    return render(
        request,
        "core/api_keys.html",
        {
            "page_title": _("API keys"),
            "form": form,
            "created": created,
            "units": units,
            "keys": selectors.apikey_list(viewer=viewer),
            "can_create": can_create,
        },
        status=201 if created else status,
    )


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    key = selectors.apikey_list(viewer=viewer).filter(pk=pk).first()
    if key is None:
        raise Http404("Not found")
    services.apikey_revoke(actor=viewer, api_key=key)
    messages.success(request, _("Key revoked."))
    return redirect("core:api_keys")


def _audit_filters(request: HttpRequest, viewer: Principal) -> AuditFilterForm:
    choices = selectors.audit_filter_choices(viewer=viewer)
    return AuditFilterForm(request.GET or None, choices=choices)


def _audit_rows(events: Any, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """CSV rows of `events`, read and labelled `batch` events at a time."""
    events = iter(events)
    while chunk := list(islice(events, batch)):
        names = labels.object_names((e.object_type, e.object_id) for e in chunk)
        for e in chunk:
            yield (
                e.sequence,
                e.occurred_at.isoformat(),
                labels.actor(e.actor, e.actor_label),
                e.actor_id or "",
                e.action,
                labels.action_label(e.action),
                labels.object_label(e.object_type, e.object_id, names),
                e.object_type,
                e.object_id,
                e.hash,
            )


def _audit_csv(events: Any) -> StreamingHttpResponse:
    rows = _audit_rows(events)
    return csv_response(
        "audit-log.csv",
        [
            "sequence",
            "occurred_at",
            "actor",
            "actor_person_id",
            "action",
            "action_label",
            "object",
            "object_type",
            "object_id",
            "hash",
        ],
        rows,
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The audit log of the viewer's units, filtered by actor, action, object and period."""
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_AUDIT):
        raise Http404("Not found")
    form = _audit_filters(request, viewer)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    if "actor" in filters:
        filters["actor_id"] = filters.pop("actor")
    events = selectors.audit_event_list(viewer=viewer, **filters)
    if form.is_bound and not form.is_valid():
        events = events.none()  # a refused filter lists nothing rather than everything
    if request.GET.get("format") == "csv":
        services.audit_log_export_record(actor=viewer, fmt="csv")
        return _audit_csv(events.iterator(chunk_size=2000))
    page = keyset_page(request, events, "sequence")
    return render(
        request,
        "core/audit_log.html",
        {
            "page_title": _("Audit log"),
            "wide": True,
            "page": page,
            "form": form,
            "names": labels.object_names((e.object_type, e.object_id) for e in page),
            "chain": audit_verify() if request.GET.get("verify") else None,
        },
    )


@login_required
def audit_event(request: HttpRequest, sequence: int) -> HttpResponse:
    """One audit event: who, what, when, and what changed (its recorded before and after)."""
    event = selectors.audit_event_get(viewer=principal(request), sequence=sequence)
    if event is None:
        raise Http404("Not found")
    names = labels.object_names([(event.object_type, event.object_id)])
    return render(
        request,
        "core/audit_event.html",
        {
            "page_title": _("Audit event %(n)s") % {"n": event.sequence},
            "event": event,
            "object": labels.object_label(event.object_type, event.object_id, names),
            "changes": labels.changes(event.object_type, event.before, event.after),
            "metadata": labels.changes(None, None, event.metadata or {}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def prioritisation(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    unit = page_unit(request, Ability.MANAGE_SETTINGS)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_SETTINGS, title=_("Prioritisation weights"))
    current = {
        "impact": 1.0,
        "reach": 1.0,
        "urgency": 1.0,
        "effort": 1.0,
        **(unit.prioritisation_weights or {}),
    }
    form = PrioritisationWeightsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_weights_update(actor=viewer, unit=unit, weights=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Prioritisation weights saved."))
            return redirect("core:prioritisation")
    return render(
        request,
        "core/prioritisation.html",
        {
            "page_title": _("Prioritisation weights"),
            "form": form,
            "unit": unit,
            "units": units_for(viewer, Ability.MANAGE_SETTINGS),
        },
    )


def _zone_forms(request: HttpRequest, viewer: Principal) -> tuple[TimeZoneForm, TimeZoneForm]:
    unit_default = _("The installation's (%(zone)s)") % {"zone": timezones.installation_zone_name()}
    own_default = _("My organisation's")
    posted = request.POST.get("form") if request.method == "POST" else None
    own = TimeZoneForm(
        request.POST if posted == "own" else None,
        default_label=own_default,
        initial={"time_zone": viewer.person.time_zone if viewer.person else ""},
        prefix="own",
    )
    unit = TimeZoneForm(
        request.POST if posted == "unit" else None, default_label=unit_default, prefix="unit"
    )
    return own, unit


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The person's own settings: the time zone they see times in (and their unit's)."""
    viewer = principal(request)
    own, unit_form = _zone_forms(request, viewer)
    units = units_for(viewer, Ability.MANAGE_SETTINGS)
    posted = request.POST.get("form")
    try:
        if posted == "own" and own.is_valid():
            person = services.person_time_zone_set(
                actor=viewer, time_zone=own.cleaned_data["time_zone"]
            )
            timezones.remember(request.session, person)
            messages.success(request, _("Time zone saved."))
            return redirect("core:account")
        if posted == "unit" and unit_form.is_valid():
            unit = page_unit(request, Ability.MANAGE_SETTINGS)
            if unit is None:
                return choose_unit(request, Ability.MANAGE_SETTINGS, title=_("Your account"))
            services.unit_time_zone_set(
                actor=viewer, unit=unit, time_zone=unit_form.cleaned_data["time_zone"]
            )
            timezones.remember(request.session, viewer.person)
            messages.success(request, _("The organisation's time zone is saved."))
            return redirect("core:account")
    except ValidationError as error:
        apply_errors(own if posted == "own" else unit_form, error)
    zone = timezone.get_current_timezone()
    return render(
        request,
        "core/account.html",
        {
            "page_title": _("Your account"),
            "own": own,
            "unit_form": unit_form,
            "units": units,
            "zone_name": str(zone),
            "installation_zone": timezones.installation_zone_name(),
            "now": timezone.now(),
        },
        status=400 if posted and (own.errors or unit_form.errors) else 200,
    )
