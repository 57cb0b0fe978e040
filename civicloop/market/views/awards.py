"""Awards: deciding per phase, closing a phase, sending feedback (challenge workspace)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

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
        override_reason=request.POST.get("override_reason", ""),
    )


def close_phase(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    phase = challenge.phases.filter(kind=request.POST.get("phase") or "").first()
    if phase is None:
        raise Http404("Not found")
    services.phase_close(actor=viewer, phase=phase, reason=request.POST.get("reason", ""))


def send_feedback(request: HttpRequest, viewer: Principal, challenge: Challenge) -> None:
    proposal = selectors.proposal_get(viewer=viewer, pk=int(request.POST.get("proposal") or 0))
    services.feedback_send(actor=viewer, proposal=proposal, text=request.POST.get("text", ""))
