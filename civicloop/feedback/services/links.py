"""Links from surveys and responses to the experiments app's services and iterations.

Surveys and responses carry the tags a service's pages send (`service_key`, `iteration_key`,
`variant`); a response is linked by foreign key to the service and iteration OF ITS OWN UNIT
that the tags name (ADR 0011), on arrival or later by the scheduled `responses_link_pending`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.core.audit import audit_record
from civicloop.core.permissions import SYSTEM
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Iteration, Service
from civicloop.feedback.events import FeedbackEvent
from civicloop.feedback.models import Response, Survey
from civicloop.feedback.services._figures import dashboards_invalidate

# Tags and profile values are codes, never free text: no room for a name or an e-mail.
TAG_RE = re.compile(r"^[A-Za-z0-9_.:+-]{0,100}$")


def tags_check(**tags: str) -> None:
    """Refuse a tag that is not a short code, naming it."""
    for name, value in tags.items():
        if value and not TAG_RE.match(value):
            raise ValidationError(
                {
                    name: _(
                        "Use a short code: letters, digits, '.', '_', ':', '+' or '-' "
                        "(at most 100)."
                    )
                }
            )


def tagged_links(
    unit_id: int, service_key: str, iteration_key: str
) -> tuple[Service | None, Iteration | None]:
    """The service and iteration OF THIS UNIT that the tags name; None where none or several do.

    Only the unit's own services count: another organisation's service of the same name is
    never linked (ADR 0011). The tags themselves are kept as sent.
    """
    iteration = service = None
    if iteration_key:
        found = experiments_selectors.iterations_tagged(unit_id=unit_id, tag=iteration_key)
        if len(found) == 1:
            iteration = found[0]
            service = iteration.service
    if service_key and service is None:
        services = experiments_selectors.services_tagged(unit_id=unit_id, tag=service_key)
        if len(services) == 1:
            service = services[0]
    return service, iteration


def _link_surveys() -> None:
    surveys = Survey.objects.filter(
        (Q(iteration__isnull=True) & ~Q(iteration_key=""))
        | (Q(service__isnull=True) & ~Q(service_key=""))
    )
    for survey in surveys:
        service, iteration = tagged_links(survey.unit_id, survey.service_key, survey.iteration_key)
        if (service, iteration) != (survey.service, survey.iteration):
            survey.service, survey.iteration = service, iteration
            survey.save(update_fields=["service", "iteration", "updated_at"])


@transaction.atomic
def responses_link_pending() -> int:
    """Link responses whose tags named no service or iteration of their unit when they arrived.

    A service's pages may send feedback before its iteration is recorded; the scheduled task
    links them once it exists (within the survey's unit only, as on arrival). Returns how many.
    """
    pending = (
        (
            Response.objects.filter(Q(iteration__isnull=True) & ~Q(iteration_key=""))
            | Response.objects.filter(Q(service__isnull=True) & ~Q(service_key=""))
        )
        .values_list("survey__unit_id", "service_key", "iteration_key")
        .distinct()
    )
    linked: dict[int, int] = {}
    _link_surveys()
    for unit_id, service_key, iteration_key in pending:
        if unit_id is None:  # the survey's unit is required; this keeps the type checker honest
            continue
        service, iteration = tagged_links(unit_id, service_key, iteration_key)
        if service is None and iteration is None:
            continue
        rows = Response.objects.filter(
            survey__unit_id=unit_id, service_key=service_key, iteration_key=iteration_key
        )
        if iteration is not None:
            count = rows.filter(iteration__isnull=True).update(iteration=iteration, service=service)
        else:
            count = rows.filter(service__isnull=True).update(service=service)
        if count:
            linked[unit_id] = linked.get(unit_id, 0) + count
    # An iteration's panel counts the responses linked to it (ADR 0019).
    dashboards_invalidate(Survey.objects.filter(unit_id__in=list(linked)))
    for unit_id, count in linked.items():
        audit_record(
            actor=SYSTEM,
            action=FeedbackEvent.RESPONSES_LINKED,
            organization=unit_id,
            metadata={"responses": count},
        )
    return sum(linked.values())
