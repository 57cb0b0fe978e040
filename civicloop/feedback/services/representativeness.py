"""Representativeness: the known make-up of a target group, to check and weight responses by."""

from __future__ import annotations

import math
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import ProfileTarget, Survey
from civicloop.feedback.services._figures import survey_figures_invalidate
from civicloop.portfolio.models import TargetGroup
from civicloop.web import numbers

# Shares are rounded figures from a register or census: they may miss 1 by this much.
SHARES_TOLERANCE = 0.005
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_+\-]{0,39}$")


def _clean_shares(dimension: str, shares: dict[str, float]) -> dict[str, float]:
    try:
        clean = {str(k).strip(): float(v) for k, v in shares.items() if str(k).strip()}
    except (TypeError, ValueError):
        raise ValidationError({"shares": _("Each share must be a number.")}) from None
    if len(clean) < 2:
        raise ValidationError({"shares": _("Give at least two groups, each with its share.")})
    bad = [k for k in clean if not _CODE_RE.match(k)]
    if bad:
        raise ValidationError(
            {
                "shares": _(
                    "Group codes are lower-case letters, digits, _, + or - (at most 40): %(codes)s."
                )
                % {"codes": ", ".join(bad)}
            }
        )
    if any(not math.isfinite(v) or v < 0 or v > 1 for v in clean.values()):
        raise ValidationError({"shares": _("Each share is a number from 0 to 1, e.g. 0.25.")})
    total = sum(clean.values())
    if abs(total - 1) > SHARES_TOLERANCE:
        raise ValidationError(
            {
                "shares": _(
                    "The shares of %(dimension)s add up to %(total)s; they must add up to 1."
                )
                % {"dimension": dimension, "total": numbers.number(total, 3)}
            }
        )
    return clean


@transaction.atomic
def profile_target_set(
    *,
    actor: Principal,
    target_group: TargetGroup,
    dimension: str,
    shares: dict[str, float],
    source: str,
    as_of: date | None,
) -> ProfileTarget:
    """The known make-up of a target group along one dimension: shares that add up to 1
    (±0.005), the source of the figures and the date they describe."""
    require(actor, Ability.MANAGE_FEEDBACK, target_group.unit_id)
    dimension = dimension.strip()
    errors: dict[str, str] = {}
    if not _CODE_RE.match(dimension):
        errors["dimension"] = _(
            "Name the dimension with lower-case letters, digits and _ (e.g. age_band)."
        )
    if not source.strip():
        errors["source"] = _("Say where the figures come from (e.g. the municipal register).")
    if as_of is None:
        errors["as_of"] = _("Give the date the figures describe.")
    if errors:
        raise ValidationError(errors)
    clean = _clean_shares(dimension, shares)
    target = ProfileTarget.objects.filter(target_group=target_group, dimension=dimension).first()
    before = {"shares": target.shares, "source": target.source} if target else None
    target, _created = ProfileTarget.objects.update_or_create(
        target_group=target_group,
        dimension=dimension,
        defaults={"shares": clean, "source": source.strip()[:300], "as_of": as_of},
    )
    survey_figures_invalidate(
        Survey.objects.filter(problem__target_groups=target_group).values_list("pk", flat=True)
    )
    audit_record(
        actor=actor,
        action=FeedbackEvent.PROFILE_TARGET_SET,
        obj=target,
        organization=target_group.unit_id,
        before=before,
        after={
            "dimension": target.dimension,
            "shares": target.shares,
            "source": target.source,
            "as_of": as_of.isoformat() if as_of else None,
        },
    )
    return target
