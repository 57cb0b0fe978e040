"""Staff pages: the moderation queue, one proposal's moderation, triage and answer, the rule.

Unit staff only (`EDIT_PORTFOLIO` in the proposal's unit); another unit's proposal is 404.
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
from civicloop.participation import forms, selectors, services
from civicloop.participation.models import Proposal
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def _staff(request: HttpRequest) -> None:
    if not principal(request).units_with(Ability.EDIT_PORTFOLIO):
        raise Http404("Not found")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _staff(request)
    viewer = principal(request)
    return render(
        request,
        "participation/staff_queue.html",
        {
            "page_title": _("Citizens' proposals: moderation"),
            "queue": selectors.moderation_queue(viewer=viewer),
            "proposals": page_of(request, selectors.staff_proposal_list(viewer=viewer)),
            "form": forms.ModerationForm(),
        },
    )


def _proposal_context(request: HttpRequest, proposal: Proposal, **forms_: object) -> dict:
    agencies = selectors.unit_agencies(proposal.unit_id)
    return {
        "page_title": proposal.title,
        "proposal": proposal,
        "rule": selectors.unit_rule(proposal.unit_id),
        "moderation": forms_.get("moderation") or forms.ModerationForm(),
        "triage": forms_.get("triage")
        or forms.TriageForm(agencies=agencies, initial={"title": proposal.title}),
        "answer": forms_.get("answer") or forms.AnswerForm(initial={"answer": proposal.answer}),
    }


@login_required
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    item = selectors.staff_proposal_get(viewer=viewer, pk=pk)
    if request.method == "GET":
        return render(
            request, "participation/staff_proposal.html", _proposal_context(request, item)
        )
    action = request.POST.get("action", "")
    agencies = selectors.unit_agencies(item.unit_id)
    bound = {
        "moderate": forms.ModerationForm(request.POST),
        "triage": forms.TriageForm(request.POST, agencies=agencies),
        "answer": forms.AnswerForm(request.POST),
    }
    form = bound.get(action)
    if form is None:
        raise Http404("Not found")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "moderate":
                services.proposal_moderate(
                    actor=viewer, proposal=item, decision=data["decision"], reason=data["reason"]
                )
            elif action == "triage":
                services.proposal_triage(
                    actor=viewer,
                    proposal=item,
                    owner_agency=next(a for a in agencies if a.pk == data["owner_agency"]),
                    facet=data["facet"],
                    title=data["title"],
                    statement=data["statement"],
                )
            else:
                services.proposal_answer(
                    actor=viewer, proposal=item, text=data["answer"], close=data["close"]
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:staff_proposal", pk=item.pk)
    key = "moderation" if action == "moderate" else action
    return render(
        request,
        "participation/staff_proposal.html",
        _proposal_context(request, item, **{key: form}),
        status=422,
    )


@login_required
@require_POST
def comment_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    comment = selectors.staff_comment_get(viewer=viewer, pk=pk)
    form = forms.ModerationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"decision": _("Choose to publish or not to publish.")})
        services.comment_moderate(
            actor=viewer,
            comment=comment,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:staff_queue")


@login_required
@require_POST
def support_review(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    support = selectors.staff_support_get(viewer=viewer, pk=pk)
    try:
        services.support_review(
            actor=viewer, support=support, decision=request.POST.get("decision", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:staff_queue")


@login_required
@require_http_methods(["GET", "POST"])
def unit_settings(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.EDIT_PORTFOLIO)
    if unit is None:
        return choose_unit(request, Ability.EDIT_PORTFOLIO, title=_("Participation rule"))
    rule = selectors.unit_rule(unit.pk)
    initial = (
        {
            "support_threshold": rule.support_threshold,
            "answer_days": rule.answer_days,
            "accepting": rule.accepting,
        }
        if rule
        else {"accepting": True}
    )
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.participation_settings_update(
                actor=principal(request), unit=unit, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{request.path}?unit={unit.pk}")
    return render(
        request,
        "participation/staff_settings.html",
        {"page_title": _("Participation rule"), "form": form, "unit": unit, "rule": rule},
        status=422 if request.method == "POST" else 200,
    )
