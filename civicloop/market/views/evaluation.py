"""Evaluation: conflict declarations and scores (on the proposal page), ranking exports, and
the workspace's assignment of evaluators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, Principal
from civicloop.market import selectors, services
from civicloop.market.models import Challenge, Proposal
from civicloop.web.exports import csv_response, json_response, safe_filename


def declare_conflict(
    request: HttpRequest, viewer: Principal, proposal: Proposal
) -> HttpResponse | None:
    has_conflict = request.POST.get("has_conflict") == "yes"
    services.conflict_declare(
        actor=viewer,
        proposal=proposal,
        has_conflict=has_conflict,
        note=request.POST.get("note", ""),
    )
    if not has_conflict:
        return None
    messages.success(
        request, _("Conflict recorded; the proposal is withdrawn from your evaluation.")
    )
    return redirect("market:home")


def score_proposal(request: HttpRequest, viewer: Principal, proposal: Proposal) -> None:
    criterion = proposal.challenge.criteria.filter(pk=request.POST.get("criterion") or 0).first()
    if criterion is None:
        raise Http404("Not found")
    try:
        value = int(request.POST.get("score", ""))
    except ValueError:
        raise ValidationError({"score": _("The score must be a whole number.")}) from None
    services.score_record(
        actor=viewer,
        proposal=proposal,
        criterion=criterion,
        score=value,
        justification=request.POST.get("justification", ""),
    )


@login_required
def ranking_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The ranking as CSV or JSON; vendor names are masked exactly as on the page."""
    if fmt not in ("csv", "json"):
        raise Http404("Not found")
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.VIEW_MARKET)
    data = services.ranking_export(actor=viewer, challenge=challenge, fmt=fmt)
    name = safe_filename(f"challenge-{challenge.pk}-ranking.{fmt}")
    if fmt == "json":
        return json_response(name, {"challenge": challenge.pk, "ranking": data})
    headers = list(data[0].keys()) if data else ["rank", "code", "vendor", "weighted_score"]
    return csv_response(name, headers, (list(d.values()) for d in data))


def _int_or_none(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationError({field: _("Choose from the list.")})
    return int(value)


def assign_evaluator(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    """Workspace action: assign an evaluator to the challenge or to one of its proposals."""
    person_id = _int_or_none(request.POST.get("evaluator"), "evaluator_id")
    evaluator = selectors.evaluator_candidates(viewer=viewer, challenge=challenge).filter(
        pk=person_id or 0
    )
    chosen = evaluator.first()
    if chosen is None:
        raise ValidationError(
            {"evaluator_id": _("Choose a person who holds the evaluator role in this unit.")}
        )
    proposal_id = _int_or_none(request.POST.get("proposal"), "proposal_id")
    proposal = selectors.proposal_get(viewer=viewer, pk=proposal_id) if proposal_id else None
    services.evaluator_assign(
        actor=viewer, challenge=challenge, evaluator=chosen, proposal=proposal
    )


def unassign_evaluator(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    """Workspace action: remove one of the challenge's assignments."""
    pk = _int_or_none(request.POST.get("assignment"), "assignment")
    assignment = selectors.evaluator_assignment_get(viewer=viewer, challenge=challenge, pk=pk or 0)
    services.evaluator_unassign(actor=viewer, assignment=assignment)
