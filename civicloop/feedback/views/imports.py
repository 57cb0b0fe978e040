"""Imports: phone and in-person responses from a CSV file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.feedback import forms, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def survey_import(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.responses_import_csv(
            actor=viewer, survey=survey, content=form.cleaned_data["file"].read()
        )
        if report.ok:
            messages.success(request, _("%(n)s responses imported.") % {"n": report.imported})
            return redirect("feedback:survey", survey.pk)
    return render(
        request,
        "feedback/form.html",
        {
            "page_title": _("Import phone and in-person responses"),
            "form": form,
            "submit": _("Import"),
            "back": reverse("feedback:survey", args=[survey.pk]),
            "report": report,
            "multipart": True,
        },
        status=422 if report and not report.ok else 200,
    )
