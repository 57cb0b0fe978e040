"""Challenges: the market's home, a challenge's public page, drafting, editing and the unit's
workspace (whose form actions are handled by the sub-domain each belongs to)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, Principal
from civicloop.market import forms, selectors, services
from civicloop.market.models import Challenge, ChallengeStatus
from civicloop.market.views import awards, consultation, evaluation, phases, vendors
from civicloop.market.views._common import EDITABLE_STATUSES, flash_refusal, shown_company
from civicloop.portfolio.selectors import problem_choices, problem_get
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def home(request: HttpRequest) -> HttpResponse:
    """Public list of published challenges; signed-in people also see what they can act on."""
    viewer = principal(request)
    proposals_page = (
        page_of(request, selectors.proposal_queryset(viewer=viewer), page_param="proposals_page")
        if viewer.is_authenticated
        else None
    )
    context = {
        "page_title": _("Open innovation market"),
        "challenges_page": page_of(request, selectors.challenge_list_public()),
        "is_unit": bool(viewer.units_with(Ability.VIEW_MARKET)),
        "can_manage": bool(viewer.units_with(Ability.MANAGE_MARKET)),
        "can_submit_need": bool(viewer.agencies_with(Ability.SUBMIT_NEED))
        or bool(viewer.units_with(Ability.MANAGE_MARKET)),
        "vendor": shown_company(request),
        "own_page": page_of(
            request,
            selectors.challenge_list(viewer=viewer, own_units_only=True),
            page_param="own_page",
        ),
        "proposals_page": proposals_page,
        "proposals": (
            selectors.proposal_views(viewer=viewer, proposals=proposals_page.object_list)
            if proposals_page
            else []
        ),
    }
    return render(request, "market/home.html", context)


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published challenge's public page (no sign-in); the unit also sees its drafts."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk)
    most_files, most_bytes = services.attachment_limits()
    phases = selectors.phases_of(challenge=challenge)
    return render(
        request,
        "market/challenge_detail.html",
        {
            "page_title": challenge.title,
            "challenge": challenge,
            "phases": phases,
            "rubrics": selectors.rubrics_of(challenge=challenge, phases=phases),
            "awards": selectors.award_list_public(challenge=challenge),
            "money": selectors.money,
            "questions": selectors.question_list_public(challenge=challenge),
            "changes": [
                (change, forms.change_field_label(change.field))
                for change in selectors.challenge_change_log(challenge=challenge)
            ],
            "proposal_count": selectors.proposal_count(challenge=challenge),
            "vendor": shown_company(request),
            "can_manage": challenge.unit_id in viewer.units_with(Ability.MANAGE_MARKET),
            "contracts": list(
                selectors.contracts_by_award(viewer=viewer, challenge=challenge).values()
            ),
            "question_form": forms.TextForm(),
            "attachment_files": most_files,
            "attachment_mb": services.format_mb(most_bytes),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.MANAGE_MARKET)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_MARKET, title=_("Draft a challenge"))
    form = forms.ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.challenge_create(
                actor=principal(request), unit=unit, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Challenge drafted."))
            return redirect("market:manage", challenge.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Draft a challenge"),
            "form": form,
            "submit": _("Save draft"),
            "back": "/market/",
            "rich_fields": services.RICH_TEXT_FIELDS,
            "richtext_labels": forms.richtext_labels(),
        },
    )


def _as_shown(value):
    # What a datetime-local input shows and sends back: local time without microseconds, so an
    # untouched deadline does not count as a change.
    return timezone.localtime(value).replace(microsecond=0) if value else None


def _edit_form(request: HttpRequest, viewer: Principal, challenge: Challenge, editable: bool):
    initial = {name: getattr(challenge, name) for name in services.EDITABLE_FIELDS}
    initial["problem"] = challenge.problem_id
    initial["consultation_closes_at"] = _as_shown(challenge.consultation_closes_at)
    initial["submission_deadline"] = _as_shown(challenge.submission_deadline)
    return forms.ChallengeEditForm(
        request.POST if editable and request.method == "POST" else None,
        initial=initial,
        problems=problem_choices(viewer=viewer, units=[challenge.unit_id]),
    )


def _save_edit(request: HttpRequest, viewer: Principal, challenge: Challenge, form) -> bool:
    """Apply the edit through the service; False (errors on the form) when it refuses."""
    changes = form.changes()
    if "problem" in changes and changes["problem"] is not None:
        changes["problem"] = problem_get(viewer=viewer, pk=changes["problem"])
    logged_before = len(selectors.challenge_change_log(challenge=challenge))
    try:
        services.challenge_update(
            actor=viewer, challenge=challenge, reason=form.cleaned_data["reason"], **changes
        )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    if not changes:
        messages.info(request, _("Nothing changed."))
    elif len(selectors.challenge_change_log(challenge=challenge)) > logged_before:
        messages.success(request, _("Challenge changed; the change and its reason are public."))
    else:
        messages.success(request, _("Challenge changed."))
    return True


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a challenge through the same service as the API; once published, with a reason."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_MARKET)
    editable = challenge.status in EDITABLE_STATUSES
    refusal = None
    if request.method == "POST" and not editable:
        # The service states the rule (nothing changes after the deadline); no form to show.
        try:
            services.challenge_update(actor=viewer, challenge=challenge)
        except ValidationError as error:
            refusal = "; ".join(error.messages)
    form = _edit_form(request, viewer, challenge, editable)
    if request.method == "POST" and editable and form.is_valid():
        if _save_edit(request, viewer, challenge, form):
            return redirect("market:manage", challenge.pk)
    return render(
        request,
        "market/challenge_edit.html",
        {
            "page_title": _("Edit challenge"),
            "challenge": challenge,
            "form": form,
            "editable": editable,
            "refusal": refusal,
            "rich_fields": services.RICH_TEXT_FIELDS,
            "richtext_labels": forms.richtext_labels(),
        },
        status=422 if form.errors or refusal else 200,
    )


def _manage_context(request: HttpRequest, challenge: Challenge) -> dict[str, Any]:
    viewer = principal(request)
    phases = selectors.phases_of(challenge=challenge)
    phase_awards = selectors.phase_award_list(viewer=viewer, challenge=challenge)
    return {
        "page_title": challenge.title,
        "challenge": challenge,
        "phases": phases,
        "phase_award_rows": phase_awards,
        "money": selectors.money,
        "can_invite": challenge.status in (ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN),
        "criteria": selectors.criteria_of(challenge=challenge),
        "proposals": selectors.proposal_list(viewer=viewer, challenge_id=challenge.pk),
        "proposal_count": selectors.proposal_count(challenge=challenge),
        "unanswered": selectors.question_list_unanswered(viewer=viewer, challenge=challenge),
        "ranking": selectors.ranking(viewer=viewer, challenge=challenge),
        "divergences": selectors.moderation(viewer=viewer, challenge=challenge),
        "matches": selectors.vendor_matches(
            viewer=viewer, challenge=challenge, verified_only=False
        )[:10],
        "deadline_passed": selectors.deadline_passed(challenge),
        "phase_form": forms.PhaseForm(),
        "criteria_form": forms.CriteriaForm(phases=phases),
        "status_form": forms.StatusForm(status=challenge.status),
        "rubrics": selectors.rubrics_of(challenge=challenge, phases=phases),
        "phase_awards": {pa.phase.kind: pa for pa in phase_awards},
        "rfi_responses": selectors.rfi_response_list(viewer=viewer, challenge=challenge),
        "republish_form": forms.RepublishForm(),
        "republished_as": selectors.challenge_republished_as(challenge=challenge),
        "awards": selectors.award_list(viewer=viewer, challenge=challenge),
        "contracts": selectors.contracts_by_award(viewer=viewer, challenge=challenge),
        "editable": challenge.status in EDITABLE_STATUSES,
        "assignments": list(
            selectors.evaluator_assignment_list(viewer=viewer, challenge=challenge)
        ),
        "evaluator_candidates": list(
            selectors.evaluator_candidates(viewer=viewer, challenge=challenge)
        ),
        "unassigned_proposals": selectors.proposals_without_evaluator(
            viewer=viewer, challenge=challenge
        ),
        "can_assign": challenge.status not in services.ASSIGNMENT_CLOSED_STATUSES,
    }


def _move(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    services.challenge_move(
        actor=viewer,
        challenge=challenge,
        to_status=request.POST.get("to_status", ""),
        reason=request.POST.get("reason", ""),
    )


def _republish(request: HttpRequest, viewer: Principal, challenge: Challenge) -> HttpResponse:
    form = forms.RepublishForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"submission_deadline": form.errors["submission_deadline"]})
    copy = services.challenge_republish(
        actor=viewer,
        challenge=challenge,
        submission_deadline=form.cleaned_data["submission_deadline"],
    )
    messages.success(request, _("Re-published as a new draft: check it and publish it."))
    return redirect("market:manage", copy.pk)


# The workspace's form actions: each takes (request, actor, challenge) and calls one service;
# one that returns a response (a redirect elsewhere) ends the request with it.
ManageAction = Callable[[HttpRequest, Principal, Challenge], HttpResponse | None]
MANAGE_ACTIONS: dict[str, ManageAction] = {
    "phase": phases.set_phase,
    "criteria": phases.set_criteria,
    "status": _move,
    "republish": _republish,
    "answer": consultation.answer_question,
    "invite": vendors.invite_vendor,
    "award": awards.award_proposal,
    "close_phase": awards.close_phase,
    "feedback": awards.send_feedback,
    "assign": evaluation.assign_evaluator,
    "unassign": evaluation.unassign_evaluator,
}


@login_required
@require_http_methods(["GET", "POST"])
def challenge_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's workspace for one challenge: set-up, consultation, proposals, evaluation."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_MARKET)
    if request.method != "POST":
        return render(request, "market/manage.html", _manage_context(request, challenge))
    try:
        action = MANAGE_ACTIONS.get(request.POST.get("action") or "")
        if action is None:
            raise ValidationError({"action": _("Unknown action.")})
        response = action(request, viewer, challenge)
    except ValidationError as error:
        flash_refusal(request, error)
    except (ValueError, ArithmeticError):
        messages.error(request, _("Check the numbers you entered."))
    else:
        if response is not None:
            return response
        messages.success(request, _("Saved."))
    return redirect("market:manage", challenge.pk)
