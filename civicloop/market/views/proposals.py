"""Sealed proposals: a company submits (with an attachment) and revises; the proposal page
shows what the viewer may know, and takes the vendor's and the evaluators' actions."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal
from civicloop.market import forms, sealing, selectors, services
from civicloop.market.models import Challenge, Phase, Proposal, ProposalFile
from civicloop.market.views import attachments, evaluation
from civicloop.market.views._common import choose_company, flash_refusal, page_company
from civicloop.web.forms import apply_errors


def _submit(
    viewer: Principal,
    challenge: Challenge,
    vendor: Organization,
    phases: list[Phase],
    form: forms.ProposalForm,
) -> tuple[Proposal, ProposalFile | None] | None:
    """Proposal and attachment together or not at all: a refused file leaves no half-submitted
    revision behind. None (errors on the form) when a service refuses."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            proposal = services.proposal_submit(
                actor=viewer,
                challenge=challenge,
                phase=next(p for p in phases if p.kind == data["phase"]),
                vendor=vendor,
                content=data["content"],
                price=data["price"],
            )
            upload = data.get("file")
            record = None
            if upload is not None:
                record = services.proposal_file_add(
                    actor=viewer, proposal=proposal, name=upload.name, data=upload.read()
                )
    except ValidationError as error:
        apply_errors(form, error)
        return None
    return proposal, record


@login_required
@require_http_methods(["GET", "POST"])
def proposal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get_public(pk=pk)
    vendor = page_company(request)
    if vendor is None:
        return choose_company(request, title=_("Submit a proposal"))
    phases = selectors.phases_of(challenge=challenge)
    most_files, most_bytes = services.attachment_limits()
    form = forms.ProposalForm(
        request.POST or None,
        request.FILES or None,
        phases=phases,
        anonymous=challenge.anonymous_evaluation,
        most_files=most_files,
        most_mb=services.format_mb(most_bytes),
    )
    if request.method == "POST" and form.is_valid():
        submitted = _submit(principal(request), challenge, vendor, phases, form)
        if submitted is not None:
            proposal, record = submitted
            messages.success(request, _("Proposal sealed. You can revise it until the deadline."))
            if record is not None and record.metadata_removed:
                messages.info(request, attachments.removed_message(record.metadata_removed))
            return redirect("market:proposal", proposal.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Submit a proposal"),
            "form": form,
            "submit": _("Submit sealed proposal"),
            "back": f"/market/challenges/{challenge.pk}/",
            "context_title": challenge.title,
            "multipart": True,
        },
        status=422 if form.errors else 200,
    )


def _content(viewer: Principal, proposal: Proposal) -> tuple[str | None, str | None]:
    """(content, why it is not shown): opening is audited for anyone but the vendor."""
    try:
        return services.proposal_content_open(actor=viewer, pk=proposal.pk), None
    except services.SealedError as error:
        return None, error.messages[0]
    except sealing.SealingKeyUnavailable as error:
        return None, str(error)
    except Http404:
        return None, _("You cannot read this proposal's content.")


# The proposal page's form actions: each takes (request, actor, proposal) and calls one
# service; one that returns a response (a redirect elsewhere) ends the request with it.
ProposalAction = Callable[[HttpRequest, Principal, Proposal], HttpResponse | None]
VENDOR_ACTIONS: dict[str, ProposalAction] = {"remove_file": attachments.remove_file}
EVALUATOR_ACTIONS: dict[str, ProposalAction] = {
    "declare": evaluation.declare_conflict,
    "score": evaluation.score_proposal,
}


def _proposal_action(request: HttpRequest, viewer: Principal, proposal: Proposal) -> HttpResponse:
    name = request.POST.get("action") or ""
    action = VENDOR_ACTIONS.get(name)
    if proposal.challenge.unit_id in viewer.units_with(Ability.EVALUATE_PROPOSALS):
        action = action or EVALUATOR_ACTIONS.get(name)
    if action is None:
        raise Http404("Not found")
    try:
        response = action(request, viewer, proposal)
    except ValidationError as error:
        flash_refusal(request, error)
    else:
        if response is not None:
            return response
        messages.success(request, _("Saved."))
    return redirect("market:proposal", proposal.pk)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Metadata always; content when the seal allows; declaration and scoring for evaluators."""
    viewer = principal(request)
    proposal = selectors.proposal_get(viewer=viewer, pk=pk)
    if request.method == "POST":
        return _proposal_action(request, viewer, proposal)
    challenge = proposal.challenge
    content, sealed_message = _content(viewer, proposal)
    evaluator = challenge.unit_id in viewer.units_with(Ability.EVALUATE_PROPOSALS)
    return render(
        request,
        "market/proposal.html",
        {
            "page_title": _("Proposal %(code)s") % {"code": proposal.code},
            "view": selectors.proposal_view(viewer=viewer, pk=proposal.pk),
            "challenge": challenge,
            "content": content,
            "sealed_message": sealed_message,
            "evaluator": evaluator and selectors.deadline_passed(challenge),
            "declaration": selectors.my_declaration(viewer=viewer, proposal=proposal),
            "criteria": selectors.rubric_for(challenge=challenge, phase=proposal.phase),
            "scores": selectors.my_scores(viewer=viewer, proposal=proposal),
            "cancellation": selectors.cancellation_notice(viewer=viewer, proposal=proposal),
            "can_change": selectors.proposal_can_change(viewer=viewer, proposal=proposal),
        },
    )
