"""Publication: a unit chooses which of its problems the public portal shows."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.permissions import Ability, Principal, require
from civicloop.portfolio.events import PortfolioEvent
from civicloop.portfolio.models import Problem


@transaction.atomic
def problem_publish(*, actor: Principal, problem: Problem, published: bool) -> Problem:
    """Show (or stop showing) a problem on the public portal; audited either way.

    What the portal shows of a published problem is fixed by `selectors.problem_list_public`:
    title, statement, target groups, KPIs with baseline, target and latest measurement, stage.
    """
    require(actor, Ability.EDIT_PORTFOLIO, problem)
    problem = Problem.objects.select_for_update().get(pk=problem.pk)
    before = {"published": problem.published}
    if problem.published == published:
        return problem
    problem.published = published
    problem.published_at = timezone.now() if published else None
    problem.save(update_fields=["published", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action=PortfolioEvent.PROBLEM_PUBLISHED
        if published
        else PortfolioEvent.PROBLEM_UNPUBLISHED,
        obj=problem,
        organization=problem.unit_id,
        before=before,
        after={"published": published},
    )
    return problem
