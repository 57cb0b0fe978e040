"""KPIs: definitions from templates or custom, with a baseline and a target."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record, model_snapshot
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.events import PortfolioEvent
from civicloop.portfolio.kpi_templates import KPI_TEMPLATES
from civicloop.portfolio.models import (
    Direction,
    Kpi,
    KpiCategory,
    Problem,
)
from civicloop.portfolio.services.problems import validated

KPI_FIELDS = [
    "name",
    "category",
    "definition",
    "unit",
    "currency",
    "direction",
    "baseline_value",
    "baseline_date",
    "baseline_source",
    "target_value",
    "target_date",
]


def _kpi_values_from(template_key: str | None, values: dict[str, Any]) -> dict[str, Any]:
    if template_key:
        if template_key not in KPI_TEMPLATES:
            raise ValidationError(
                {"template": _("Unknown KPI template '%(key)s'.") % {"key": template_key}}
            )
        template = KPI_TEMPLATES[template_key]
        merged: dict[str, Any] = {
            "name": str(template.name),
            "category": template.category,
            "unit": template.unit,
            "direction": template.direction,
            "definition": str(template.definition),
        }
        merged.update({k: v for k, v in values.items() if v not in (None, "")})
        return merged
    return values


def _check_kpi(kpi: Kpi) -> None:
    errors: dict[str, str] = {}
    if kpi.category not in KpiCategory.values:
        errors["category"] = f"Choose one of: {', '.join(KpiCategory.values)}."
    if kpi.direction not in Direction.values:
        errors["direction"] = "Choose 'higher' or 'lower'."
    if kpi.baseline_date and kpi.target_date and kpi.target_date <= kpi.baseline_date:
        errors["target_date"] = "The target date must be after the baseline date."
    if errors:
        raise ValidationError(errors)


def kpi_target_warning(kpi: Kpi, today: date | None = None) -> str | None:
    """A short-term target is due within 12 months; say so when it is further out."""
    today = today or timezone.localdate()
    if kpi.target_date:
        months = (kpi.target_date.year - today.year) * 12 + (kpi.target_date.month - today.month)
        if months > 12 or (months == 12 and kpi.target_date.day > today.day):
            return (
                "The target date is more than 12 months away: a short-term target "
                "(12 months or less) shows sooner whether the work is helping."
            )
    return None


@transaction.atomic
def kpi_create(
    *, actor: Principal, problem: Problem, template_key: str | None = None, **values: Any
) -> Kpi:
    """Define a KPI for a problem, from a built-in template or custom, with baseline and target."""
    require(actor, Ability.EDIT_PORTFOLIO, problem)
    data = _kpi_values_from(template_key, values)
    unknown = set(data) - set(KPI_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown KPI field.")})
    kpi = Kpi(problem=problem, template_key=template_key or "", **data)
    _check_kpi(kpi)
    validated(kpi)
    kpi.save()
    audit_record(
        actor=actor,
        action=PortfolioEvent.KPI_CREATED,
        obj=kpi,
        organization=problem.unit_id,
        after=model_snapshot(kpi, KPI_FIELDS),
    )
    return kpi
