"""What the market's API modules share: names of phases and statuses, text bodies, and which
company a request acts for."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field

from civicloop.core.http import InputSchema, principal
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, NoActingUnit, acting_unit
from civicloop.market.models import Challenge, Phase

PhaseName = Literal["feasibility", "prototype", "pilot"]
StatusName = Literal["consultation", "open", "evaluation", "cancelled"]


class TextIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=20000)


def acting_company(request: HttpRequest, organization_id: int | None) -> Organization:
    """The company the request acts for: the one named, or the only one (the gate's rule).

    Someone who acts for no company is answered 404, as for anything outside their scope."""
    try:
        return acting_unit(
            principal(request), Ability.ACT_FOR_COMPANY, organization_id, field="organization_id"
        )
    except NoActingUnit:
        raise Http404("Not found") from None


def challenge_phase(challenge: Challenge, kind: str) -> Phase:
    phase = challenge.phases.filter(kind=kind).first()
    if phase is None:
        raise ValidationError(
            {"phase": _("This challenge has no %(kind)s phase.") % {"kind": kind}}
        )
    return phase
