"""Awards: deciding and sending feedback, from the challenge workspace."""

from __future__ import annotations

from django.http import HttpRequest

from civicloop.core.permissions import Principal
from civicloop.market import selectors, services
from civicloop.market.models import Challenge


def award_proposal(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    proposal = selectors.proposal_get(viewer=viewer, pk=int(request.POST.get("proposal") or 0))
    services.award_decide(
        actor=viewer,
        proposal=proposal,
        amount=request.POST.get("amount") or "0",
        rationale=request.POST.get("rationale", ""),
    )


def send_feedback(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    proposal = selectors.proposal_get(viewer=viewer, pk=int(request.POST.get("proposal") or 0))
    services.feedback_send(actor=viewer, proposal=proposal, text=request.POST.get("text", ""))
