"""Demo data for the public portal: three published problems and the "you said, we did"
summaries of the two decided iterations, drafted by the service, given their units and
published, so the portal shows real content after `manage.py demo`."""

from __future__ import annotations

from civicloop.core.permissions import principal_for_person
from civicloop.experiments.models import Decision
from civicloop.portal import services
from civicloop.portfolio import services as portfolio_services

PUBLISHED_PROBLEMS = ["licence-renewals", "housing-decisions", "missed-appointments"]
# The two decided iterations' site-based results do not record their outcome's unit: staff
# name it, as the summary page asks them to before publishing.
UNITS = {
    "Trading licence renewal": ("Weekly online take-up", "percentage points"),
    "Social housing decisions": ("Median days to a housing decision", "days"),
}


def load(ctx: dict) -> None:
    staff = principal_for_person(ctx["orgs"].people["staff"])
    for key in PUBLISHED_PROBLEMS:
        portfolio_services.problem_publish(
            actor=staff, problem=ctx["problems"][key], published=True
        )
    decisions = Decision.objects.select_related("iteration__service").order_by("decided_at")
    summaries = {}
    for decision in decisions:
        summary = services.summary_draft(actor=staff, decision=decision)
        service = decision.iteration.service.name
        if service in UNITS:
            label, unit = UNITS[service]
            summary = services.summary_update(
                actor=staff, summary=summary, effect_label=label, effect_unit=unit
            )
            summary = services.summary_publish(actor=staff, summary=summary)
        summaries[service] = summary
    ctx["portal"] = {"summaries": summaries}
