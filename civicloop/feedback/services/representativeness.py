"""Representativeness: the known make-up of a target group, to check and weight responses by."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import ProfileTarget
from civicloop.portfolio.models import TargetGroup


@transaction.atomic
def profile_target_set(
    *,
    actor: Principal,
    target_group: TargetGroup,
    dimension: str,
    shares: dict[str, float],
    source: str = "",
) -> ProfileTarget:
    """The known make-up of a target group along one dimension (shares are normalised)."""
    require(actor, Ability.MANAGE_FEEDBACK, target_group.unit_id)
    try:
        clean = {str(k).strip(): float(v) for k, v in shares.items() if str(k).strip()}
    except (TypeError, ValueError):
        raise ValidationError({"shares": "Each share must be a number."}) from None
    total = sum(clean.values())
    if len(clean) < 2 or any(v < 0 for v in clean.values()) or total <= 0:
        raise ValidationError({"shares": "Give at least two categories with non-negative shares."})
    target, _ = ProfileTarget.objects.update_or_create(
        target_group=target_group,
        dimension=dimension.strip()[:40],
        defaults={"shares": {k: v / total for k, v in clean.items()}, "source": source[:300]},
    )
    audit_record(
        actor=actor,
        action=FeedbackEvent.PROFILE_TARGET_SET,
        obj=target,
        organization=target_group.unit_id,
        after={"dimension": target.dimension, "shares": target.shares},
    )
    return target
