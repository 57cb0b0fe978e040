"""Erasure: a respondent's responses, in the surveys of the units the actor manages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext, gettext_noop

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal, require, units_for
from civicloop.core.services import KEPT, REMOVED, ErasureLine, ErasureReport
from civicloop.feedback import respondents
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Response, Survey
from civicloop.feedback.services._figures import survey_figures_invalidate
from civicloop.portfolio.models import Measurement


@transaction.atomic
def respondent_erasure_run(
    *, actor: Principal, respondent_id: str, confirm_respondent_id: str
) -> ErasureReport:
    """Erase a respondent's responses in the surveys of the actor's units, after the actor typed
    the id again; returns what was removed or kept and why (counts only). Other units' surveys
    are neither searched nor counted: each unit answers for its own (ADR 0011)."""
    ids = respondents.erasure_ids(respondent_id)
    if ids is None:
        raise ValidationError({"respondent_id": gettext("Give the pseudonymous id to erase.")})
    confirmed = respondents.erasure_ids(confirm_respondent_id)
    # The last id is the one stored: a personal identifier matches in any spelling.
    if confirmed is None or confirmed[-1] != ids[-1]:
        raise ValidationError(
            {
                "confirm_respondent_id": gettext(
                    "Type the respondent id exactly as above to confirm the erasure."
                )
            }
        )
    units = sorted(units_for(actor, Ability.MANAGE_FEEDBACK), key=lambda unit: unit.pk)
    if not units:
        raise Http404("Not found")
    totals: dict[tuple[str, str, str], int] = {}
    for unit in units:
        require(actor, Ability.MANAGE_FEEDBACK, unit)
        for line in _respondent_erase_in(actor=actor, unit=unit, ids=ids).lines:
            key = (line.what, line.outcome, line.why)
            totals[key] = totals.get(key, 0) + line.count
    report = ErasureReport()
    for (what, outcome, why), count in totals.items():
        report.add(what, count, outcome, why)
    return report


def _respondent_erase_in(*, actor: Principal, unit: Organization, ids: list[str]) -> ErasureReport:
    """Delete the unit's responses stored under `ids` (answers go with them) and audit it."""

    rows = Response.objects.filter(survey__unit=unit, respondent_id__in=ids)
    surveys = list(Survey.objects.filter(pk__in=rows.values("survey_id")).order_by("pk"))
    _, per_model = rows.delete()
    # Stored figures that counted the erased responses are recomputed (ADR 0019).
    survey_figures_invalidate([s.pk for s in surveys])
    report = ErasureReport()
    report.lines.append(
        ErasureLine(
            gettext_noop("survey responses under the respondent id, with their answers"),
            per_model.get("feedback.Response", 0),
            REMOVED,
            gettext_noop("the respondent asked for their responses to be erased"),
        )
    )
    report.add(
        gettext_noop("surveys that held these responses"),
        len(surveys),
        KEPT,
        gettext_noop("the survey and the other responses stay; scores no longer count these"),
    )
    sources = [f"Feedback survey {s.slug}"[:300] for s in surveys if s.feeds_kpi_id]
    report.add(
        gettext_noop("KPI measurements already fed from these surveys"),
        Measurement.objects.filter(source__in=sources).count() if sources else 0,
        KEPT,
        gettext_noop("aggregates that name no one; later measurements leave the responses out"),
    )
    # The id itself is not recorded: only that an erasure happened and how much it removed.
    audit_record(
        actor=actor,
        action=FeedbackEvent.RESPONDENT_ERASED,
        organization=unit,
        metadata={
            "responses": report.lines[0].count,
            "surveys": len(surveys),
            "report": report.audit_lines(),
        },
    )
    return report
