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
from civicloop.web.pagination import page_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    need_view(viewer)
    overdue = list(selectors.obstacle_overdue(viewer=viewer))
    open_obstacles = selectors.obstacle_list(
        viewer=viewer, filters=selectors.ObstacleFilters(open_only=True)
    )
    # Only the page of problems at the scaling stage is loaded with its list data, not every
    # problem of the portfolio (ADR 0019).
    scaling = portfolio_selectors.problem_rows(
        viewer=viewer, filters=portfolio_selectors.ProblemFilters(stage=Stage.SCALING)
    )
    return render(
        request,
        "scaling/home.html",
        {
            "page_title": _("Scaling"),
            "overdue": overdue,
            "open_count": open_obstacles.count(),
            "scaling_problems": page_of(request, scaling, page_param="problems_page"),
            "assessments": page_of(
                request, selectors.assessment_list(viewer=viewer), page_param="assessments_page"
            ),
            "plans": page_of(request, selectors.plan_list(viewer=viewer), page_param="plans_page"),
            "sandboxes": page_of(
                request, selectors.sandbox_list(viewer=viewer), page_param="sandboxes_page"
            ),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
            "sandbox_labels": dict(SandboxStatus.choices),
        },
    )
