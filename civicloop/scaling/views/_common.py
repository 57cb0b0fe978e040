"""What the scaling pages share."""

from __future__ import annotations

from django.http import Http404

from civicloop.core.permissions import Ability, Principal
from civicloop.portfolio.models import Problem


def need_view(viewer: Principal) -> None:
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO) or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    ):
        raise Http404("Not found")


def editable_problems(viewer: Principal) -> list[Problem]:
    units = viewer.units_with(Ability.EDIT_SCALING)
    return list(
        Problem.objects.filter(unit_id__in=units)
        .exclude(stage__in=["identified"])
        .order_by("title")
    )


def visible_experiments(viewer: Principal) -> list:
    """Experiments the viewer may see, for linking a replication to its measured results."""
    from civicloop.experiments import selectors as experiments_selectors

    return list(experiments_selectors.experiment_list(viewer=viewer)[:500])
