"""Scaling pages: regulatory sandboxes and their public registry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.scaling import forms, selectors, services
from civicloop.scaling.models import (
    SandboxStatus,
)
from civicloop.scaling.views._common import editable_problems
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


def _sandbox_forms(sandbox, posted=None, action=None) -> dict:
    """The forms for the next steps of a sandbox, one of them bound to the posted data."""
    obstacles = list(
        sandbox.unit.obstacles.filter(problem_id=sandbox.problem_id)
        if sandbox.problem_id
        else sandbox.unit.obstacles.all()
    )
    builders = {
        "eligibility": lambda data: forms.EligibilityForm(data),
        "start": lambda data: forms.SandboxPlanForm(data),
        "extend": lambda data: forms.SandboxExtendForm(data),
        "report": lambda data: forms.SandboxReportForm(data),
        "exit": lambda data: forms.SandboxExitForm(data),
        "learning": lambda data: forms.SandboxLearningForm(data, obstacles=obstacles),
    }
    allowed = {
        SandboxStatus.APPLIED: ["eligibility"],
        SandboxStatus.ELIGIBLE: ["start"],
        SandboxStatus.ACTIVE: ["report", "extend", "exit", "learning"],
        SandboxStatus.EXTENDED: ["report", "exit", "learning"],
        SandboxStatus.EXITED: ["learning"],
    }.get(sandbox.status, [])
    return {name: builders[name](posted if name == action else None) for name in allowed}


def _sandbox_page(request, sandbox, *, step_forms=None, status=200):
    viewer = principal(request)
    can_edit = can(viewer, Ability.EDIT_SCALING, unit_id=sandbox.unit_id)
    return render(
        request,
        "scaling/sandbox.html",
        {
            "page_title": sandbox.title,
            "sandbox": sandbox,
            "public": False,
            "reports": sandbox.reports.all(),
            "learnings": sandbox.learnings.prefetch_related("obstacles"),
            "obstacles": sandbox.obstacles.all(),
            "status_labels": dict(SandboxStatus.choices),
            "criteria": services.ELIGIBILITY_CRITERIA,
            "step_forms": (step_forms or _sandbox_forms(sandbox)) if can_edit else {},
            "step_titles": {
                "eligibility": _("Decide eligibility"),
                "start": _("Agree the plan and start"),
                "report": _("Add a monitoring report"),
                "extend": _("Extend (once, up to six months)"),
                "exit": _("Exit with a report"),
                "learning": _("Record a regulatory learning"),
            },
        },
        status=status,
    )


@login_required
def sandbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sandbox_page(request, selectors.sandbox_get(viewer=principal(request), pk=pk))


@login_required
@require_POST
def sandbox_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of a sandbox's life: eligibility, start, report, extend, exit, learning."""
    viewer = principal(request)
    sandbox = selectors.sandbox_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    step_forms = _sandbox_forms(sandbox, request.POST, action)
    form = step_forms.get(action)
    if form is None:
        raise Http404("Not found")
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if action == "eligibility":
                services.sandbox_decide_eligibility(
                    actor=viewer,
                    sandbox=sandbox,
                    answers={k: data[k] for k in services.ELIGIBILITY_CRITERIA},
                    notes={k: data[f"{k}_why"] for k in services.ELIGIBILITY_CRITERIA},
                )
            elif action == "start":
                services.sandbox_start(actor=viewer, sandbox=sandbox, **data)
            elif action == "extend":
                services.sandbox_extend(actor=viewer, sandbox=sandbox, **data)
            elif action == "report":
                services.sandbox_report_add(actor=viewer, sandbox=sandbox, **data)
            elif action == "exit":
                services.sandbox_exit(actor=viewer, sandbox=sandbox, **data)
            else:
                ids = data.pop("obstacles")
                found = list(selectors.obstacle_list(viewer=viewer).filter(pk__in=ids))
                services.sandbox_learning_add(
                    actor=viewer, sandbox=sandbox, obstacles=found, **data
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Sandbox updated."))
            return redirect("scaling:sandbox", pk)
    return _sandbox_page(request, sandbox, step_forms=step_forms, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_apply(request: HttpRequest) -> HttpResponse:
    """Apply for a sandbox for the unit the person acts for (asked when they have several)."""
    viewer = principal(request)
    unit = page_unit(request, Ability.EDIT_SCALING)
    if unit is None:
        return choose_unit(request, Ability.EDIT_SCALING, title=_("Apply for a regulatory sandbox"))
    problems = editable_problems(viewer, unit)
    form = forms.SandboxApplyForm(request.POST or None, problems=problems)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        problem_id = data.pop("problem")
        problem = next((p for p in problems if p.pk == problem_id), None) if problem_id else None
        try:
            sandbox = services.sandbox_apply(actor=viewer, unit=unit, problem=problem, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("scaling:sandbox", sandbox.pk)
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Apply for a regulatory sandbox"),
            "form": form,
            "submit": _("Apply"),
            "back": "/scaling/",
        },
        status=422 if form.errors else 200,
    )


def registry(request: HttpRequest) -> HttpResponse:
    """The public registry of regulatory sandboxes: no sign-in, no personal data."""
    return render(
        request,
        "scaling/registry.html",
        {
            "page_title": _("Regulatory sandbox registry"),
            "sandboxes": (page := page_of(request, selectors.sandbox_public_list())),
            "page": page,
            "status_labels": dict(SandboxStatus.choices),
        },
    )


def registry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sandbox = selectors.sandbox_public_get(slug=slug)
    return render(
        request,
        "scaling/sandbox.html",
        {
            "page_title": sandbox.title,
            "sandbox": sandbox,
            "public": True,
            "reports": sandbox.reports.all(),
            "learnings": sandbox.learnings.all(),
            "obstacles": [],
            "status_labels": dict(SandboxStatus.choices),
            "criteria": services.ELIGIBILITY_CRITERIA,
        },
    )
