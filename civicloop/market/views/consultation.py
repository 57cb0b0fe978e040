"""Consultation: companies ask questions or answer the request for information; the unit
answers questions (from the challenge workspace) and reads and exports the RFI answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, Principal
from civicloop.market import forms, selectors, services
from civicloop.market.models import Challenge
from civicloop.market.views._common import flash_refusal, page_company
from civicloop.web.exports import csv_response, json_response, safe_filename


@login_required
@require_POST
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get_public(pk=pk)
    vendor = page_company(request)
    if vendor is None:
        raise Http404("Not found")
    form = forms.TextForm(request.POST)
    if form.is_valid():
        rfi = request.POST.get("kind") == "rfi"
        service = services.rfi_respond if rfi else services.question_ask
        try:
            service(
                actor=principal(request),
                challenge=challenge,
                vendor=vendor,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            flash_refusal(request, error)
        else:
            if rfi:
                messages.success(request, _("Thank you: your response was recorded."))
            else:
                messages.success(request, _("Question sent. The answer will be public."))
    return redirect("market:challenge", challenge.pk)


def answer_question(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    question = selectors.question_get_managed(
        viewer=viewer, pk=int(request.POST.get("question") or 0), challenge=challenge
    )
    services.question_answer(actor=viewer, question=question, answer=request.POST.get("answer", ""))


@login_required
def rfi_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The request-for-information answers of a challenge as CSV or JSON (unit staff; audited)."""
    if fmt not in ("csv", "json"):
        raise Http404("Not found")
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_MARKET)
    rows = services.rfi_export(actor=viewer, challenge=challenge, fmt=fmt)
    name = safe_filename(f"challenge-{challenge.pk}-rfi-responses.{fmt}")
    if fmt == "json":
        return json_response(name, {"challenge": challenge.pk, "rfi_responses": rows})
    headers = ["id", "vendor_id", "vendor", "received_at", "text"]
    return csv_response(name, headers, ([row[h] for h in headers] for row in rows))
