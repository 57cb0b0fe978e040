"""What the scaling pages share."""

from __future__ import annotations

from django.http import Http404

from civicloop.core.models import Organization
from civicloop.core.permissions import Ability, Principal
from civicloop.experiments import selectors as experiments_selectors
from civicloop.experiments.models import Experiment
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem, Stage


def need_view(viewer: Principal) -> None:
    """404 unless the viewer may read some unit's or agency's portfolio."""
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO) or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    ):
        raise Http404("Not found")


def editable_problems(viewer: Principal, unit: Organization | None = None) -> list[Problem]:
    """Problems past identification in the units (or the one `unit`) where the viewer edits
    scaling, by title."""
    return list(
        portfolio_selectors.problem_choices(
            viewer=viewer,
            ability=Ability.EDIT_SCALING,
            units=None if unit is None else [unit.pk],
            exclude_stages=[Stage.IDENTIFIED],
        )
    )


def visible_experiments(viewer: Principal) -> list[Experiment]:
    """Experiments the viewer may see, for linking a replication to its measured results."""
    return list(experiments_selectors.experiment_list(viewer=viewer)[:500])
