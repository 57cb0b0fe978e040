"""Contracts and pilots: signing an award's contract; milestones, status and payments."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, Principal
from civicloop.market import forms, selectors, services
from civicloop.market.models import Contract
from civicloop.market.selectors.contracts import ContractLedger
from civicloop.web.forms import apply_errors


def _contract_forms(
    ledger: ContractLedger, data=None, action: str | None = None, milestone_pk: int = 0
) -> dict[str, Any]:
    milestones = [line.milestone for line in ledger.milestones]
    status_forms = {}
    for m in milestones:
        bound = action == "status" and m.pk == milestone_pk
        status_form = forms.MilestoneStatusForm(
            data if bound else None, prefix=f"milestone-{m.pk}", initial={"status": m.status}
        )
        status_form.fields["status"].label = _("Status of “%(title)s”") % {"title": m.title}
        status_forms[m.pk] = status_form
    return {
        "milestone_form": forms.MilestoneForm(
            data if action == "milestone" else None, prefix="milestone"
        ),
        "payment_form": forms.PaymentForm(
            data if action == "payment" else None, prefix="payment", milestones=milestones
        ),
        "status_forms": status_forms,
    }


def _posted_milestone(request: HttpRequest, action: str, by_pk: dict[int, Any]) -> int:
    """The milestone a status form is about (0 for the other forms); 404 for an unknown one."""
    if action not in ("milestone", "payment", "status"):
        raise Http404("Not found")
    if action != "status":
        return 0
    try:
        milestone_pk = int(request.POST.get("milestone") or 0)
    except ValueError:
        milestone_pk = 0
    if milestone_pk not in by_pk:
        raise Http404("Not found")
    return milestone_pk


def _record(
    request: HttpRequest,
    viewer: Principal,
    contract: Contract,
    action: str,
    data: dict[str, Any],
    by_pk: dict[int, Any],
    milestone_pk: int,
) -> None:
    """The one service a contract form calls, with its confirmation."""
    if action == "milestone":
        services.milestone_add(
            actor=viewer, contract=contract, title=data["title"], due_on=data["due_on"]
        )
        messages.success(request, _("Milestone added."))
    elif action == "status":
        services.milestone_update(
            actor=viewer, milestone=by_pk[milestone_pk], status=data["status"]
        )
        messages.success(request, _("Milestone status saved."))
    else:
        services.payment_record(
            actor=viewer,
            contract=contract,
            amount=data["amount"],
            paid_on=data["paid_on"],
            milestone=by_pk.get(data["milestone"]) if data["milestone"] else None,
        )
        messages.success(request, _("Payment recorded."))


def _contract_page(
    request: HttpRequest,
    contract: Contract,
    ledger: ContractLedger,
    can_manage: bool,
    page_forms: dict[str, Any],
    bound_form: django_forms.Form | None = None,
) -> HttpResponse:
    return render(
        request,
        "market/contract.html",
        {
            "page_title": contract.title,
            "contract": contract,
            "challenge": contract.award.challenge,
            "ledger": ledger,
            "vendor_name": contract.award.proposal.vendor.name,
            "can_manage": can_manage,
            "bound_form": bound_form,
            **(page_forms if can_manage else {}),
        },
        status=422 if bound_form is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract (pilot): milestones, payments and totals; the unit's staff record them."""
    viewer = principal(request)
    contract = selectors.contract_get(viewer=viewer, pk=pk)
    can_manage = contract.award.challenge.unit_id in viewer.units_with(Ability.MANAGE_MARKET)
    ledger = selectors.contract_ledger(contract=contract)
    if request.method != "POST":
        return _contract_page(request, contract, ledger, can_manage, _contract_forms(ledger))
    if not can_manage:
        raise Http404("Not found")
    action = request.POST.get("action") or ""
    by_pk = {line.milestone.pk: line.milestone for line in ledger.milestones}
    milestone_pk = _posted_milestone(request, action, by_pk)
    bound = _contract_forms(ledger, request.POST, action, milestone_pk)
    form = bound["status_forms"][milestone_pk] if action == "status" else bound[f"{action}_form"]
    if form.is_valid():
        try:
            _record(request, viewer, contract, action, form.cleaned_data, by_pk, milestone_pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("market:contract", contract.pk)
    return _contract_page(request, contract, ledger, can_manage, bound, bound_form=form)


@login_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    award = selectors.award_get_managed(viewer=viewer, pk=pk)
    form = forms.ContractForm(request.POST or None, initial={"value": award.amount})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_sign(actor=viewer, award=award, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("market:contract", contract.pk)
    return render(
        request,
        "form_page.html",
        {
            "page_title": _("Sign the contract"),
            "form": form,
            "submit": _("Record contract"),
            "back": f"/market/challenges/{award.challenge_id}/manage/",
            "context_title": award.challenge.title,
        },
    )
