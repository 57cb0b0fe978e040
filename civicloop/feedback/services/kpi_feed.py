"""The portfolio KPI "user satisfaction", fed from a survey's GOV.UK (or CSAT) question."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, can, principal_for_person, require
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Survey
from civicloop.feedback.selectors.scores import satisfaction_share
from civicloop.portfolio.models import Kpi, Measurement
from civicloop.portfolio.notes import satisfaction_note
from civicloop.portfolio.services import measurement_record


def _check_feed(actor: Principal, survey: Survey, kpi: Kpi) -> None:
    if kpi.template_key != "user_satisfaction":
        raise ValidationError(
            {
                "kpi": _(
                    "Only a KPI made from the user satisfaction template can be fed from a survey."
                )
            }
        )
    if kpi.problem.unit_id != survey.unit_id:
        raise ValidationError({"kpi": _("The KPI must belong to the survey's unit.")})
    if not can(
        actor,
        Ability.RECORD_MEASUREMENT,
        unit_id=kpi.problem.unit_id,
        agency_id=kpi.problem.owner_agency_id,
    ):
        raise ValidationError({"kpi": _("You cannot record measurements for this KPI.")})
    if not survey.questions.filter(construct__in=["govuk", "csat"]).exists():
        raise ValidationError(
            {
                "kpi": _(
                    "The survey needs a GOV.UK satisfaction or CSAT question to feed user "
                    "satisfaction."
                )
            }
        )


@transaction.atomic
def kpi_feed_set(*, actor: Principal, survey: Survey, kpi: Kpi | None) -> Survey:
    """Feed a 'user satisfaction' KPI from this survey's GOV.UK (or CSAT) question."""
    require(actor, Ability.MANAGE_FEEDBACK, survey)
    if kpi is not None:
        _check_feed(actor, survey, kpi)
    survey.feeds_kpi = kpi
    survey.feed_owner = actor.person if kpi is not None else None
    survey.save(update_fields=["feeds_kpi", "feed_owner", "updated_at"])
    audit_record(
        actor=actor,
        action=FeedbackEvent.KPI_FEED_SET,
        obj=survey,
        organization=survey.unit_id,
        after={"kpi_id": kpi.pk if kpi else None},
    )
    return survey


FEED_WINDOW_DAYS = 30


def kpi_feed_record(*, survey: Survey, on: date | None = None) -> Measurement | None:
    """Record today's 'user satisfaction' (share satisfied, last 30 days) on the fed KPI.

    Acts as the person who set the feed up, through the portfolio's `measurement_record`, so
    their permissions and the portfolio's rules apply. Returns the Measurement or None.
    """

    if survey.feeds_kpi_id is None or survey.feed_owner is None:
        return None
    on = on or timezone.localdate()
    start = timezone.make_aware(
        datetime.combine(on - timedelta(days=FEED_WINDOW_DAYS), datetime.min.time())
    )
    end = timezone.make_aware(datetime.combine(on + timedelta(days=1), datetime.min.time()))
    score = satisfaction_share(survey=survey, start=start, end=end)
    if score is None or score.value is None:
        return None
    actor = principal_for_person(survey.feed_owner)
    with transaction.atomic():
        measurement = measurement_record(
            actor=actor,
            kpi=cast(Kpi, survey.feeds_kpi),  # feeds_kpi_id was checked above
            date=on,
            value=f"{score.value:.2f}",
            source=f"Feedback survey {survey.slug}"[:300],
            # A code with the figures, said in the reader's language when shown.
            note=satisfaction_note(
                n=score.n, ci_low=score.ci_low, ci_high=score.ci_high, days=FEED_WINDOW_DAYS
            ),
            replace=True,
        )
        audit_record(
            actor=actor,
            action=FeedbackEvent.KPI_FED,
            obj=survey,
            organization=survey.unit_id,
            metadata={"kpi_id": survey.feeds_kpi_id, "value": round(score.value, 2), "n": score.n},
        )
    return measurement


def kpi_feeds_record_all(*, on: date | None = None) -> int:
    """Run every survey's KPI feed; returns how many measurements were recorded."""
    recorded = 0
    for survey in Survey.objects.filter(feeds_kpi__isnull=False).select_related(
        "feeds_kpi__problem", "feed_owner"
    ):
        if kpi_feed_record(survey=survey, on=on) is not None:
            recorded += 1
    return recorded
