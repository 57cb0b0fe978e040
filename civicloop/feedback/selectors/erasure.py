"""Erasure: how many responses a respondent id holds in the surveys of the viewer's units."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext

from civicloop.core.permissions import Ability, Principal, units_for
from civicloop.feedback import respondents
from civicloop.feedback.models import Response, Survey


@dataclass(frozen=True)
class RespondentResponses:
    """How many responses stored under a respondent id each survey of the viewer's units holds
    (what an erasure would remove). Other units' surveys are neither searched nor counted."""

    surveys: list[tuple[Survey, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.surveys)


def respondent_responses(*, viewer: Principal, respondent_id: str) -> RespondentResponses:
    ids = respondents.erasure_ids(respondent_id)
    if ids is None:
        raise ValidationError({"respondent_id": gettext("Give the pseudonymous id to erase.")})
    counts = dict(
        Response.objects.filter(
            survey__unit__in=units_for(viewer, Ability.MANAGE_FEEDBACK),
            respondent_id__in=ids,
        )
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values_list("survey_id", "n")
    )
    surveys = Survey.objects.filter(pk__in=counts).order_by("pk")
    return RespondentResponses([(survey, counts[survey.pk]) for survey in surveys])
