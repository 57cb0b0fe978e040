"""Scaling pages: dashboard, ISAT assessments, obstacle register, replication plans,
sandboxes (with a public registry) and the lessons archive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.audit import audit_record
from civicloop.core.http import principal
from civicloop.core.models import Organization, OrganizationKind
from civicloop.core.permissions import Ability, Principal, can
from civicloop.core.selectors import units_for
from civicloop.evidence import labels as evidence_labels
from civicloop.evidence.selectors import effect_estimate_list
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Problem, Stage
from civicloop.scaling import charts, forms, labels, selectors, services
from civicloop.scaling.events import ScalingEvent
from civicloop.scaling.models import (
    Domain,
    LessonOutcome,
    ObstacleKind,
    ObstacleStatus,
    SandboxStatus,
)
from civicloop.web.exports import csv_response, json_response
from civicloop.web.jinja import number

VERDICTS = {
    "incomplete": gettext_noop("Incomplete: at least two assessors must rate all ten domains"),
    "not_ready": gettext_noop("Not ready to scale: address the weak domains first"),
    "conditional": gettext_noop(
        "Ready with conditions: scale in stages while working on the weaker domains"
    ),
    "ready": gettext_noop("Ready to scale"),
}


def _need_view(viewer: Principal) -> None:
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO) or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    ):
        raise Http404("Not found")


def _errors_to_form(form, error: ValidationError) -> None:
    for name, msgs in error.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)


def _editable_problems(viewer: Principal) -> list[Problem]:
    units = viewer.units_with(Ability.EDIT_SCALING)
    return list(
        Problem.objects.filter(unit_id__in=units)
        .exclude(stage__in=["identified"])
        .order_by("title")
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    _need_view(viewer)
    overdue = list(selectors.obstacle_overdue(viewer=viewer))
    open_obstacles = selectors.obstacle_list(
        viewer=viewer, filters=selectors.ObstacleFilters(open_only=True)
    )
    scaling = [
        p for p in portfolio_selectors.problem_list(viewer=viewer) if p.stage == Stage.SCALING
    ]
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


# --- assessments ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    problems = _editable_problems(viewer)
    if not problems:
        raise Http404("Not found")
    form = forms.AssessmentForm(
        request.POST or None, problems=problems, initial={"problem": request.GET.get("problem")}
    )
    if request.method == "POST" and form.is_valid():
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=form.cleaned_data["problem"], ability=Ability.EDIT_SCALING
        )
        try:
            row = services.assessment_create(
                actor=viewer,
                problem=problem,
                title=form.cleaned_data["title"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("scaling:assessment", row.pk)
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Start a scalability assessment"),
            "form": form,
            "submit": _("Start assessment"),
            "back": "/scaling/",
        },
        status=422 if form.errors else 200,
    )


def _assessment_page(request, assessment, form, status=200):
    viewer = principal(request)
    result = selectors.assessment_result(assessment=assessment)
    domain_labels = dict(Domain.choices)
    rows = [
        [
            str(domain_labels[s.domain]),
            number(s.mean, 2),
            number(s.sd, 2),
            f"{s.low}–{s.high}" if s.low is not None else "–",
            str(s.n),
        ]
        for s in result.summaries
    ]
    return render(
        request,
        "scaling/assessment.html",
        {
            "page_title": assessment.title,
            "assessment": assessment,
            "result": result,
            "labels": domain_labels,
            "radar": charts.radar_chart(result.summaries, domain_labels),
            "radar_rows": rows,
            "verdict": _(VERDICTS[result.readiness.verdict]),
            "reasons": labels.readiness_texts(result.readiness),
            "form": form,
            "can_score": can(
                viewer, Ability.ASSESS_SCALABILITY, unit_id=assessment.problem.unit_id
            ),
            "part_a": [
                Domain.PROBLEM,
                Domain.INTERVENTION,
                Domain.CONTEXT,
                Domain.EFFECTIVENESS,
                Domain.COSTS,
            ],
        },
        status=status,
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(viewer=principal(request), pk=pk)
    return _assessment_page(request, assessment, forms.ScoreForm())


@login_required
@require_POST
def assessment_score(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    assessment = selectors.assessment_get(viewer=viewer, pk=pk, ability=Ability.ASSESS_SCALABILITY)
    form = forms.ScoreForm(request.POST)
    if form.is_valid() and viewer.person is not None:
        try:
            services.assessment_score(
                actor=viewer, assessment=assessment, assessor=viewer.person, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Rating recorded."))
            return redirect("scaling:assessment", pk)
    return _assessment_page(request, assessment, form, status=422)


# --- obstacles --------------------------------------------------------------------------------


@login_required
def obstacle_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    _need_view(viewer)
    g = request.GET
    filters = selectors.ObstacleFilters(
        problem=int(g["problem"]) if g.get("problem", "").isdigit() else None,
        kind=g.get("kind") or None,
        status=g.get("status") or None,
        overdue_only=g.get("overdue") == "1",
    )
    obstacles = list(selectors.obstacle_list(viewer=viewer, filters=filters))
    today = timezone.localdate()
    fmt = g.get("format")
    if fmt in ("csv", "json"):
        audit_record(
            actor=viewer,
            action=ScalingEvent.OBSTACLES_EXPORTED,
            metadata={"format": fmt, "rows": len(obstacles)},
        )
        rows = [
            {
                "id": o.pk,
                "problem": o.problem.title,
                "kind": o.kind,
                "title": o.title,
                "severity": o.severity,
                "likelihood": o.likelihood,
                "status": o.status,
                "owner": o.owner_name,
                "due_date": o.due_date,
                "mitigation": o.mitigation,
                "jurisdiction": o.jurisdiction.name if o.jurisdiction else "",
                "sandbox": o.sandbox.title if o.sandbox else "",
                "overdue": bool(
                    o.due_date and o.due_date < today and o.status in ("open", "mitigating")
                ),
            }
            for o in obstacles
        ]
        if fmt == "json":
            return json_response("obstacles.json", {"obstacles": rows})
        headers = list(rows[0]) if rows else ["id", "title"]
        return csv_response("obstacles.csv", headers, [list(r.values()) for r in rows])
    cells = selectors.obstacle_heatmap(obstacles)
    return render(
        request,
        "scaling/obstacles.html",
        {
            "page_title": _("Obstacle register"),
            "obstacles": obstacles,
            "filters": filters,
            "heatmap": charts.heatmap_chart(cells),
            "heat_rows": [
                [str(c["severity"]), str(c["likelihood"]), str(c["count"])]
                for c in cells
                if c["count"]
            ],
            "kinds": ObstacleKind.choices,
            "statuses": ObstacleStatus.choices,
            "today": today,
            "kind_labels": dict(ObstacleKind.choices),
            "status_labels": dict(ObstacleStatus.choices),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
            "status_form": forms.ObstacleStatusForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def obstacle_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    problems = _editable_problems(viewer)
    if not problems:
        raise Http404("Not found")
    jurisdictions = Organization.objects.filter(
        unit_id__in=viewer.units_with(Ability.EDIT_SCALING), kind=OrganizationKind.JURISDICTION
    )
    form = forms.ObstacleForm(
        request.POST or None,
        problems=problems,
        jurisdictions=jurisdictions,
        initial={"problem": request.GET.get("problem")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=data.pop("problem"), ability=Ability.EDIT_SCALING
        )
        jurisdiction_id = data.pop("jurisdiction")
        try:
            services.obstacle_create(
                actor=viewer,
                problem=problem,
                jurisdiction=jurisdictions.filter(pk=jurisdiction_id).first()
                if jurisdiction_id
                else None,
                **data,
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Obstacle registered."))
            return redirect("scaling:obstacles")
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Register an obstacle"),
            "form": form,
            "submit": _("Register obstacle"),
            "back": "/scaling/obstacles/",
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def obstacle_status(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    obstacle = selectors.obstacle_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.ObstacleStatusForm(request.POST)
    if form.is_valid():
        services.obstacle_update(
            actor=viewer, obstacle=obstacle, status=form.cleaned_data["status"]
        )
        messages.success(request, _("Obstacle updated."))
    return redirect("scaling:obstacles")


# --- replication ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, problem_id: int) -> HttpResponse:
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(
        viewer=viewer, pk=problem_id, ability=Ability.EDIT_SCALING
    )
    effects = list(effect_estimate_list(viewer=viewer, problem_id=problem.pk))
    form = forms.PlanForm(request.POST or None, effects=effects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        effect = next(e for e in effects if e.pk == data["effect"])
        try:
            plan = services.replication_plan_create(
                actor=viewer,
                problem=problem,
                title=data["title"],
                effect=effect,
                outcome_scale=data["outcome_scale"],
                tau=data["tau"],
                horizon_years=data["horizon_years"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect("scaling:plan", plan.pk)
    return render(
        request,
        "scaling/form.html",
        {
            "page_title": _("Plan a replication"),
            "form": form,
            "submit": _("Create plan"),
            "back": "/scaling/",
            "context_title": problem.title,
        },
        status=422 if form.errors else 200,
    )


def _visible_experiments(viewer: Principal) -> list:
    """Experiments the viewer may see, for linking a replication to its measured results."""
    from civicloop.experiments import selectors as experiments_selectors

    return list(experiments_selectors.experiment_list(viewer=viewer)[:500])


def _plan_page(request, plan, form, status=200, replication_form=None):
    viewer = principal(request)
    projection = selectors.plan_projection(plan=plan)
    replications = [
        (r, selectors.replication_compare(r))
        for r in selectors.replication_list(viewer=viewer, problem_id=plan.problem_id)
    ]
    return render(
        request,
        "scaling/plan.html",
        {
            "page_title": plan.title,
            "plan": plan,
            "projection": projection,
            "candidates": list(plan.candidates.select_related("organization")),
            "chart": charts.projection_chart(projection, plan.currency) if projection else None,
            "chart_rows": [
                [
                    s.name,
                    number(s.mean_savings, 0),
                    number(s.low, 0),
                    number(s.high, 0),
                    f"{s.probability_positive:.0%}",
                ]
                for s in projection.sites
            ]
            if projection
            else [],
            "replications": replications,
            "source_text": evidence_labels.source_text,
            "form": form,
            "replication_form": replication_form
            or forms.ReplicationForm(experiments=_visible_experiments(viewer)),
            "can_edit": can(viewer, Ability.EDIT_SCALING, unit_id=plan.problem.unit_id),
        },
        status=status,
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=principal(request), pk=pk)
    if request.GET.get("format") == "json":
        projection = selectors.plan_projection(plan=plan)
        return json_response(
            f"replication-plan-{pk}.json",
            {"plan": plan.title, "projection": projection.to_dict() if projection else None},
        )
    return _plan_page(request, plan, forms.CandidateForm())


@login_required
@require_POST
def candidate_add(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.CandidateForm(request.POST)
    if form.is_valid():
        try:
            services.replication_candidate_add(actor=viewer, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Candidate added."))
            return redirect("scaling:plan", pk)
    return _plan_page(request, plan, form, status=422)


@login_required
@require_POST
def replication_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a replication of the plan's effect run elsewhere (feeds Nesta levels 4 and 5)."""
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    form = forms.ReplicationForm(request.POST, experiments=_visible_experiments(viewer))
    if plan.effect is None:
        form.add_error(
            None,
            _(
                "This plan's effect was entered as figures; record replications "
                "against a recorded effect."
            ),
        )
    elif form.is_valid():
        from civicloop.experiments import selectors as experiments_selectors

        data = dict(form.cleaned_data)
        experiment_id = data.pop("experiment")
        experiment = (
            experiments_selectors.experiment_get(viewer=viewer, pk=experiment_id)
            if experiment_id
            else None
        )
        try:
            services.replication_record(
                actor=viewer, original=plan.effect, experiment=experiment, **data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Replication recorded."))
            return redirect("scaling:plan", pk)
    return _plan_page(request, plan, forms.CandidateForm(), status=422, replication_form=form)


@login_required
@require_POST
def replications_remeasure(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-read the results of the experiments that measured the plan's replications."""
    viewer = principal(request)
    plan = selectors.plan_get(viewer=viewer, pk=pk, ability=Ability.EDIT_SCALING)
    if plan.effect is None:
        raise Http404("Not found")
    confirming = services.replications_remeasure(actor=viewer, original=plan.effect)
    messages.success(
        request,
        ngettext(
            "Replications updated from their experiments' latest results: %(num)d confirms "
            "the effect.",
            "Replications updated from their experiments' latest results: %(num)d confirm "
            "the effect.",
            confirming,
        )
        % {"num": confirming},
    )
    return redirect("scaling:plan", pk)


# --- sandboxes --------------------------------------------------------------------------------


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
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Sandbox updated."))
            return redirect("scaling:sandbox", pk)
    return _sandbox_page(request, sandbox, step_forms=step_forms, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_apply(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = list(units_for(viewer=viewer, ability=Ability.EDIT_SCALING))
    if not units:
        raise Http404("Not found")
    problems = _editable_problems(viewer)
    form = forms.SandboxApplyForm(request.POST or None, problems=problems)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        problem_id = data.pop("problem")
        problem = (
            portfolio_selectors.problem_get(
                viewer=viewer, pk=problem_id, ability=Ability.EDIT_SCALING
            )
            if problem_id
            else None
        )
        try:
            sandbox = services.sandbox_apply(
                actor=viewer, unit=problem.unit if problem else units[0], problem=problem, **data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
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
            "sandboxes": selectors.sandbox_public_list(),
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


# --- lessons ----------------------------------------------------------------------------------


@login_required
def lessons(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    _need_view(viewer)
    query = request.GET.get("q", "").strip()[:200]
    outcome = request.GET.get("outcome") or None
    found = list(selectors.lesson_search(viewer=viewer, query=query, outcome=outcome))
    return render(
        request,
        "scaling/lessons.html",
        {
            "page_title": _("Lessons"),
            "lessons": found,
            "query": query,
            "outcome": outcome,
            "outcomes": LessonOutcome.choices,
            "outcome_labels": dict(LessonOutcome.choices),
            "closed": selectors.closed_problem_list(viewer=viewer, query=query),
            "iterations": selectors.iteration_lessons(viewer=viewer, query=query),
            "stage_labels": dict(Stage.choices),
            "can_edit": bool(viewer.units_with(Ability.EDIT_SCALING)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = list(units_for(viewer=viewer, ability=Ability.EDIT_SCALING))
    if not units:
        raise Http404("Not found")
    problem = None
    if request.GET.get("problem", "").isdigit():
        problem = portfolio_selectors.problem_get(
            viewer=viewer, pk=int(request.GET["problem"]), ability=Ability.EDIT_SCALING
        )
    form = forms.LessonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_record(
                actor=viewer,
                unit=problem.unit if problem else units[0],
                problem=problem,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _errors_to_form(form, error)
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
