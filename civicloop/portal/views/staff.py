"""Staff pages of the portal: draft, edit, publish and withdraw "you said, we did" summaries.

Signed in; every read goes through a scoped selector (another unit's summary or decision is
404) and every write through a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.portal import forms, selectors, services
from civicloop.portal.models import PublicSummary
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def summary_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_EXPERIMENTS):
        raise Http404("Not found")
    return render(
        request,
        "portal/staff/summaries.html",
        {
            "page_title": _("Public summaries"),
            "summaries": (page := page_of(request, selectors.summary_list(viewer=viewer))),
            "page": page,
            "decisions": page_of(
                request,
                selectors.decisions_to_summarise(viewer=viewer),
                page_param="decisions_page",
            ),
        },
    )


@login_required
@require_POST
def summary_draft(request: HttpRequest, decision_pk: int) -> HttpResponse:
    viewer = principal(request)
    decision = selectors.decision_get_managed(viewer=viewer, pk=decision_pk)
    try:
        summary = services.summary_draft(actor=viewer, decision=decision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal:staff_summaries")
    messages.success(request, _("A draft summary was written: check it, edit it, publish it."))
    return redirect("portal:staff_summary", summary.pk)


def _summary_page(
    request: HttpRequest, summary: PublicSummary, form: forms.SummaryForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/staff/summary.html",
        {"page_title": summary.title, "summary": summary, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def summary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    summary = selectors.summary_get(viewer=viewer, pk=pk)
    if request.method == "GET":
        initial = {name: getattr(summary, name) for name in services.EDITABLE_FIELDS}
        return _summary_page(request, summary, forms.SummaryForm(initial=initial))
    form = forms.SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.summary_update(actor=viewer, summary=summary, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Summary saved."))
            return redirect("portal:staff_summary", summary.pk)
    return _summary_page(request, summary, form, status=422)


@login_required
@require_POST
def summary_publish(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    summary = selectors.summary_get(viewer=viewer, pk=pk)
    try:
        services.summary_publish(actor=viewer, summary=summary)
    except ValidationError as error:
        initial = {name: getattr(summary, name) for name in services.EDITABLE_FIELDS}
        form = forms.SummaryForm(initial=initial)
        apply_errors(form, error)
        return _summary_page(request, summary, form, status=422)
    messages.success(request, _("The summary is published on the public portal."))
    return redirect("portal:staff_summary", summary.pk)


@login_required
@require_POST
def summary_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    summary = selectors.summary_get(viewer=viewer, pk=pk)
    try:
        services.summary_withdraw(actor=viewer, summary=summary)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The summary is no longer on the public portal."))
    return redirect("portal:staff_summary", summary.pk)
