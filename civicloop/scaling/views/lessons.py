"""Scaling pages: the lessons archive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Stage
from civicloop.scaling import forms, selectors, services
from civicloop.scaling.models import (
    LessonOutcome,
)
from civicloop.scaling.views._common import need_view
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def lessons(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    need_view(viewer)
    query = request.GET.get("q", "").strip()[:200]
    outcome = request.GET.get("outcome") or None
    found = selectors.lesson_search(viewer=viewer, query=query, outcome=outcome)
    return render(
        request,
        "scaling/lessons.html",
        {
            "page_title": _("Lessons"),
            "page": page_of(request, found.order_by("-created_at", "-pk")),
            "search": query,
            "outcome": outcome,
            "outcomes": LessonOutcome.choices,
            "outcome_labels": dict(LessonOutcome.choices),
            "closed": selectors.closed_problem_list(
                viewer=viewer, query=query, limit=selectors.ARCHIVE_SHOWN
            ),
            "iterations": selectors.iteration_lessons(
                viewer=viewer, query=query, limit=selectors.ARCHIVE_SHOWN
            ),
            "shown": selectors.ARCHIVE_SHOWN,
            "stage_labels": dict(Stage.choices),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest) -> HttpResponse:
    """Add a lesson for a problem (`?problem=`) or for the unit the person acts for."""
    viewer = principal(request)
    problem = None
    if request.GET.get("problem", "").isdigit():
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=int(request.GET["problem"]), ability=Ability.EDIT_SCALING
        )
    unit = problem.unit if problem else page_unit(request, Ability.EDIT_SCALING)
    if unit is None:
        return choose_unit(request, Ability.EDIT_SCALING, title=_("Add a lesson"))
    form = forms.LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_record(actor=viewer, unit=unit, problem=problem, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Lesson added to the archive."))
            return redirect("scaling:lessons")
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Add a lesson"),
            "form": form,
            "submit": _("Add lesson"),
            "back": "/scaling/lessons/",
            "context_title": problem.title if problem else "",
        },
        status=422 if form.errors else 200,
    )
