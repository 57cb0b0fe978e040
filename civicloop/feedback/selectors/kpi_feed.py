"""The KPI feed: the 'user satisfaction' KPIs a survey may feed."""

from __future__ import annotations

from django.db.models import QuerySet

from civicloop.core.permissions import Ability, Principal, can
from civicloop.feedback.models import Survey
from civicloop.portfolio.models import Kpi


def feedable_kpis(*, viewer: Principal, survey: Survey) -> QuerySet[Kpi]:
    """The KPIs of the survey's unit made from the 'user_satisfaction' template."""
    if not can(viewer, Ability.VIEW_FEEDBACK, unit_id=survey.unit_id, agency_id=survey.agency_id):
        return Kpi.objects.none()
    return Kpi.objects.filter(
        problem__unit_id=survey.unit_id, template_key="user_satisfaction"
    ).select_related("problem")
