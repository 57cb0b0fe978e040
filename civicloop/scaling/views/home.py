"""The scaling dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Stage
from civicloop.scaling import selectors
from civicloop.scaling.models import (
    SandboxStatus,
)
from civicloop.scaling.views._common import need_view


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    need_view(viewer)
    overdue = list(selectors.obstacle_overdue(viewer=viewer))
    open_obstacles = selectors.obstacle_list(
        viewer=viewer, filters=selectors.ObstacleFilters(open_only=True)
    )
    # Only the problems at the scaling stage are loaded (with their list data), not every
    # problem of the portfolio filtered here (ADR 0019).
    scaling = portfolio_selectors.problem_list(
        viewer=viewer, filters=portfolio_selectors.ProblemFilters(stage=Stage.SCALING)
    )
    return render(
        request,
        "scaling/home.html",
        {
            "page_title": _("Scaling"),
            "overdue": overdue,
            "open_count": open_obstacles.count(),
            "scaling_problems": scaling,
            "assessments": selectors.assessment_list(viewer=viewer),
            "plans": selectors.plan_list(viewer=viewer),
            "sandboxes": selectors.sandbox_list(viewer=viewer),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
            "sandbox_labels": dict(SandboxStatus.choices),
        },
    )
