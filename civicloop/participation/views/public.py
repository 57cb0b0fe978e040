"""Public pages: published proposals with their support counts, status and answers.

No sign-in is needed to read; supporting, following and commenting need a verified citizen.
Nothing here shows text before moderation or anything personal (only display names).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.feedback.abuse import client_hashes, honeypot_filled
from civicloop.participation import forms, selectors, services
from civicloop.participation.models import PUBLIC_STATUSES, Proposal, ProposalStatus
from civicloop.participation.views._common import refused, request_citizen
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def proposal_list(request: HttpRequest) -> HttpResponse:
    unit = request.GET.get("unit", "")
    status = request.GET.get("status", "")
    rows = selectors.public_proposal_list(
        unit_id=int(unit) if unit.isdigit() else None, status=status
    )
    page = page_of(request, rows)
    return render(
        request,
        "participation/list.html",
        {
            "page_title": _("Citizens' proposals"),
            "page": page,
            "units": selectors.open_units(),
            "unit": unit,
            "status": status,
            "statuses": [(s, ProposalStatus(s).label) for s in PUBLIC_STATUSES],
            "citizen": request_citizen(request),
        },
    )


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.public_proposal_get(pk=pk, with_comments=False)
    form = forms.CommentForm(initial={"language": (get_language() or "en")[:2]})
    return _detail_page(request, proposal, form)


def _detail_page(
    request: HttpRequest, proposal: Proposal, form: forms.CommentForm, status: int = 200
) -> HttpResponse:
    """A proposal's public page with the comment form (blank, or with its errors)."""
    citizen = request_citizen(request)
    return render(
        request,
        "participation/detail.html",
        {
            "page_title": proposal.title,
            "proposal": proposal,
            "rule": selectors.unit_rule(proposal.unit_id),
            "citizen": citizen,
            "state": selectors.citizen_state(citizen=citizen, proposal=proposal),
            "page": page_of(request, selectors.public_comment_list(proposal=proposal)),
            "form": form,
        },
        status=status,
    )


def _act(request: HttpRequest, pk: int, action) -> HttpResponse:
    proposal = selectors.public_proposal_get(pk=pk)
    try:
        action(principal(request), proposal)
    except services.NotACitizen as error:
        return refused(request, str(error), status=403)
    except services.RateLimited as error:
        return refused(request, error.message, status=429)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("participation:detail", pk=proposal.pk)


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    def add(actor, proposal) -> None:
        services.support_add(
            actor=actor,
            proposal=proposal,
            **client_hashes(request),
            follow=request.POST.get("follow") == "on",
        )
        messages.success(request, _("Thank you: your support is recorded."))

    return _act(request, pk, add)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def remove(actor, proposal) -> None:
        services.support_withdraw(actor=actor, proposal=proposal)
        messages.success(request, _("Your support is withdrawn."))

    return _act(request, pk, remove)


@login_required
@require_POST
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    def toggle(actor, proposal) -> None:
        following = request.POST.get("following") == "1"
        services.follow_set(actor=actor, proposal=proposal, following=following)

    return _act(request, pk, toggle)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.public_proposal_get(pk=pk)
    form = forms.CommentForm(request.POST)
    if honeypot_filled(request.POST):
        messages.success(request, _("Thank you: your comment will be published after moderation."))
        return redirect("participation:detail", pk=proposal.pk)
    if form.is_valid():
        try:
            services.comment_submit(
                actor=principal(request),
                proposal=proposal,
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
                **client_hashes(request),
            )
        except services.NotACitizen as error:
            return refused(request, str(error), status=403)
        except services.RateLimited as error:
            return refused(request, error.message, status=429)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Thank you: your comment will be published after moderation.")
            )
            return redirect("participation:detail", pk=proposal.pk)
    return _detail_page(request, proposal, form, status=422)
