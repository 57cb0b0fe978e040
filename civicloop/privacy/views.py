"""Data subject requests: a person's own data (download) and staff-run erasure."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.privacy import forms, selectors, services
from civicloop.web.forms import apply_errors


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if request.GET.get("format") == "json":
        data = services.personal_data_export_run(actor=viewer)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-civicloop-data.json"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "privacy/my_data.html", {"page_title": _("Your data")})


@login_required
def requests_home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_DATA_SUBJECTS):
        raise Http404("Not found")
    form = forms.PersonFindForm(request.GET or None)
    found = None
    searched = False
    if request.GET and form.is_valid():
        searched = True
        found = selectors.erasable_person_find(viewer=viewer, email=form.cleaned_data["email"])
    return render(
        request,
        "privacy/requests.html",
        {
            "page_title": _("Data subject requests"),
            "form": form,
            "found": found,
            "searched": searched,
            "respondent_path": viewer.units_with(Ability.MANAGE_FEEDBACK),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    person = selectors.erasable_person_get(viewer=viewer, pk=pk)
    form = forms.PersonEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.person_erasure_run(
                actor=viewer, person_id=person.pk, confirm_email=form.cleaned_data["confirm_email"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return render(
                request,
                "privacy/erasure_report.html",
                {"page_title": _("Erasure report"), "report": report},
            )
    return render(
        request,
        "privacy/person_erase.html",
        {
            "page_title": _("Erase a person's data"),
            "person": person,
            "memberships": list(person.memberships.select_related("organization")),
            "form": form,
        },
    )
