"""Needs intake: agencies record innovation needs; the unit merges alike ones into a challenge."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, require
from civicloop.market.events import MarketEvent
from civicloop.market.models import Challenge, Need, NeedStatus
from civicloop.market.services._common import currency_code
from civicloop.market.services.challenges import challenge_create
from civicloop.portfolio.models import Problem


@transaction.atomic
def need_submit(
    *,
    actor: Principal,
    agency: Organization,
    title: str,
    what_is_wrong: str,
    who_is_affected: str,
    current_cost: Decimal | None = None,
    currency: str = "EUR",
    constraints: str = "",
    problem: Problem | None = None,
) -> Need:
    """An agency official (or unit staff) records an innovation need of an agency."""
    unit_id = agency.unit_id
    if agency.kind != OrganizationKind.AGENCY or unit_id is None:
        raise ValidationError(
            {"agency": _("Needs come from a public agency that works with a unit.")}
        )
    # The agency's own officials, or the staff of the unit it works with.
    require(actor, Ability.SUBMIT_NEED, Need(unit_id=unit_id, agency=agency))
    if len(title.strip()) < 5:
        raise ValidationError({"title": _("Give the need a title of at least 5 characters.")})
    if len(what_is_wrong.strip()) < 20:
        raise ValidationError(
            {"what_is_wrong": _("Describe what is wrong in at least 20 characters.")}
        )
    if not who_is_affected.strip():
        raise ValidationError({"who_is_affected": _("Say who is affected.")})
    if current_cost is not None and current_cost < 0:
        raise ValidationError({"current_cost": _("The current cost cannot be negative.")})
    if problem is not None and problem.unit_id != unit_id:
        raise ValidationError({"problem": _("The problem belongs to another unit.")})
    need = Need.objects.create(
        unit_id=unit_id,
        agency=agency,
        problem=problem,
        title=title.strip(),
        what_is_wrong=what_is_wrong.strip(),
        who_is_affected=who_is_affected.strip(),
        current_cost=current_cost,
        currency=currency_code(currency),
        constraints=constraints.strip(),
        submitted_by=actor.person,
    )
    audit_record(
        actor=actor,
        action=MarketEvent.NEED_SUBMITTED,
        obj=need,
        organization=unit_id,
        after=model_snapshot(need),
    )
    return need


@transaction.atomic
def needs_merge(
    *,
    actor: Principal,
    needs: Sequence[Need],
    challenge: Challenge | None = None,
    title: str | None = None,
) -> Challenge:
    """Merge needs (possibly from several agencies) into one challenge, new or existing."""
    if not needs:
        raise ValidationError({"needs": _("Choose at least one need to merge.")})
    unit_ids = {n.unit_id for n in needs}
    if len(unit_ids) != 1:
        raise ValidationError({"needs": _("Needs of different units cannot be merged.")})
    unit_id = unit_ids.pop()
    require(actor, Ability.MANAGE_MARKET, unit_id)
    if any(n.status == NeedStatus.MERGED for n in needs):
        raise ValidationError({"needs": _("One of these needs is already part of a challenge.")})
    if challenge is None:
        first = needs[0]
        problem = next((n.problem for n in needs if n.problem_id), None)
        challenge = challenge_create(
            actor=actor,
            unit=Organization.objects.get(pk=unit_id),
            title=title or first.title,
            context="\n\n".join(f"<p>{nh3.clean_text(n.what_is_wrong)}</p>" for n in needs),
            users_affected="\n\n".join(
                f"<p>{nh3.clean_text(n.who_is_affected)}</p>" for n in needs
            ),
            constraints="\n\n".join(
                f"<p>{nh3.clean_text(n.constraints)}</p>" for n in needs if n.constraints
            ),
            problem=problem,
        )
    elif challenge.unit_id != unit_id:
        raise ValidationError({"challenge": _("The challenge belongs to another unit.")})
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(
        status=NeedStatus.MERGED, challenge=challenge, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action=MarketEvent.NEEDS_MERGED,
        obj=challenge,
        organization=unit_id,
        metadata={"need_ids": sorted(n.pk for n in needs)},
    )
    return challenge
