"""Erasure: a respondent's responses, found, confirmed and erased (three steps)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.feedback import forms, selectors, services
from civicloop.web.forms import apply_errors

CONFIRM_ID = "confirm_%s"  # the find form above uses the default ids


def _erase_confirmed(
    request: HttpRequest, confirm: forms.RespondentEraseForm
) -> HttpResponse | None:
    """The erasure report once the id was typed again; None when the confirmation failed."""
    if not confirm.is_valid():
        return None
    try:
        report = services.respondent_erasure_run(
            actor=principal(request),
            respondent_id=confirm.cleaned_data["respondent_id"],
            confirm_respondent_id=confirm.cleaned_data["confirm_respondent_id"],
        )
    except ValidationError as error:
        apply_errors(confirm, error)
        return None
    return render(
        request,
        "privacy/erasure_report.html",
        {
            "page_title": _("Erasure report"),
            "heading": _("Respondent's responses erased"),
            "report": report,
            "back_url": reverse("feedback:erase"),
            "back_label": _("Erase another respondent's responses"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """A respondent's erasure in three steps: find (the id is POSTed, never put in a URL, as it
    may be a personal identifier), confirm by typing the id again, then the report."""
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_FEEDBACK):
        raise Http404("Not found")
    find = forms.EraseForm(request.POST or None)
    confirm: forms.RespondentEraseForm | None = None
    found = None
    if request.method == "POST" and "confirm_respondent_id" in request.POST:
        confirm = forms.RespondentEraseForm(request.POST, auto_id=CONFIRM_ID)
        find = forms.EraseForm({"respondent_id": request.POST.get("respondent_id", "")})
        erased = _erase_confirmed(request, confirm)
        if erased is not None:
            return erased
    if request.method == "POST" and find.is_valid():
        try:
            found = selectors.respondent_responses(
                viewer=viewer, respondent_id=find.cleaned_data["respondent_id"]
            )
        except ValidationError as error:
            apply_errors(find, error)
            confirm = None
        else:
            if confirm is None and found.total:
                confirm = forms.RespondentEraseForm(
                    initial={"respondent_id": find.cleaned_data["respondent_id"]},
                    auto_id=CONFIRM_ID,
                )
    return render(
        request,
        "feedback/erase.html",
        {
            "page_title": _("Erase a respondent's responses"),
            "find": find,
            "found": found,
            "confirm": confirm if found and found.total else None,
            "language": translation.get_language() or "en",
        },
    )
