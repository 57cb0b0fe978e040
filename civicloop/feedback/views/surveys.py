"""Staff pages of surveys: the list, creating one, a survey's page, its status and questions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.feedback import charts, forms, selectors, services
from civicloop.feedback.labels import Labels
from civicloop.feedback.models import Survey
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_FEEDBACK) or viewer.agencies_with(Ability.VIEW_FEEDBACK)
    ):
        raise Http404("Not found")
    page = page_of(request, selectors.survey_list(viewer=viewer, counts=False))
    summaries = selectors.survey_summaries(surveys=list(page.object_list))
    return render(
        request,
        "feedback/home.html",
        {
            "page_title": _("Feedback"),
            "surveys": page,
            "summaries": summaries,
            "computed_at": selectors.oldest_computed_at(summaries.values()),
            "stale": any(s.stale for s in summaries.values()),
            "services": selectors.service_keys(viewer=viewer),
            "can_manage": bool(viewer.units_with(Ability.MANAGE_FEEDBACK)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    unit = page_unit(request, Ability.MANAGE_FEEDBACK)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_FEEDBACK, title=_("Create a survey"))
    viewer = principal(request)
    problems = selectors.survey_problem_choices(viewer=viewer, unit=unit)
    form = forms.SurveyForm(request.POST or None, problems=problems)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            survey = services.survey_create(
                actor=viewer,
                unit=unit,
                title={"en": d["title_en"], "es": d["title_es"]},
                templates=d["templates"],
                consent={"en": d["consent_en"], "es": d["consent_es"]},
                problem=problems.filter(pk=d["problem"]).first() if d["problem"] else None,
                service_key=d["service_key"],
                iteration_key=d["iteration_key"],
                retention_days=d["retention_days"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Survey created."))
            return redirect("feedback:survey", survey.pk)
    return render(
        request,
        "feedback/form.html",
        {
            "page_title": _("Create a survey"),
            "form": form,
            "submit": _("Create survey"),
            "back": reverse("feedback:home"),
            "unit": unit,
        },
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    by = request.GET.get("by") if request.GET.get("by") in selectors.GROUPINGS else None
    kpis = selectors.feedable_kpis(viewer=viewer, survey=survey)
    summary = selectors.survey_summary(survey=survey)
    return render(
        request,
        "feedback/survey.html",
        {
            "page_title": survey.title_in("en"),
            "survey": survey,
            "questions": list(survey.questions.all()),
            "summary": summary,
            "overall": summary.overall,
            "by": by,
            "grouped": selectors.survey_scores(survey=survey, by=by) if by else {},
            "targets": summary.targets,
            "labels": Labels(survey, translation.get_language() or "en"),
            "groupings": selectors.GROUPINGS,
            "n": summary.n,
            "can_manage": can(viewer, Ability.MANAGE_FEEDBACK, unit_id=survey.unit_id),
            "public_url": request.build_absolute_uri(
                reverse("feedback:public", args=[survey.slug])
            ),
            "widget_url": request.build_absolute_uri(
                reverse("feedback:widget", args=[survey.slug])
            ),
            "script_url": request.build_absolute_uri("/static/feedback/widget.js"),
            "embed_html": _embed_html(request, survey),
            "feed_form": forms.KpiFeedForm(initial={"kpi": survey.feeds_kpi_id}, kpis=kpis),
            "themes": selectors.survey_themes(survey=survey)[:5],
            "charts": _result_charts(survey, summary),
        },
    )


def _result_charts(survey: Survey, summary: selectors.SurveySummary) -> dict[str, Any]:
    """The score distribution of each rating question and the weekly satisfaction trend."""
    language = translation.get_language() or "en"
    distributions = []
    for d in summary.distributions:
        text = d.question.text_in(language)
        spec, rows = charts.score_distribution(text, d.counts)
        distributions.append(
            {"id": f"distribution-{d.question.key}", "spec": spec, "rows": rows, "title": text}
        )
    weeks, _stored = selectors.survey_weekly(survey=survey)
    spec, rows = charts.weekly_trend(weeks)
    return {"distributions": distributions, "weekly": {"spec": spec, "rows": rows}}


def _embed_html(request: HttpRequest, survey: Survey) -> str:
    """The one tag to paste into a service's page: widget.js reads the survey's current
    questions and draws the form (data-presentation: inline, button or modal)."""
    script = escape(request.build_absolute_uri("/static/feedback/widget.js"))
    widget = escape(request.build_absolute_uri(reverse("feedback:widget", args=[survey.slug])))
    return (
        f'<script src="{script}" data-civicloop-survey="{escape(survey.slug)}" '
        f'data-presentation="button" data-lang="{escape(survey.languages[0])}" async></script>\n'
        f'<noscript><a href="{widget}">{escape(_("Give feedback"))}</a></noscript>'
    )


@login_required
@require_POST
def survey_embed_origins(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    try:
        services.survey_set_embed_origins(
            actor=viewer, survey=survey, origins=request.POST.get("embed_origins", "").split()
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("Allowed origins saved."))
    return redirect(reverse("feedback:survey", args=[survey.pk]) + "#embed")


@login_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    try:
        services.survey_set_status(
            actor=viewer, survey=survey, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("Survey status changed."))
    return redirect("feedback:survey", survey.pk)


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    form = forms.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.question_add(
                actor=viewer,
                survey=survey,
                key=d["key"],
                kind=d["kind"],
                text={"en": d["text_en"], "es": d["text_es"]},
                scale_min=d["scale_min"],
                scale_max=d["scale_max"],
                choices=form.choice_list(),
                required=d["required"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("feedback:survey", survey.pk)
    return render(
        request,
        "feedback/form.html",
        {
            "page_title": _("Add a question"),
            "form": form,
            "submit": _("Add question"),
            "back": reverse("feedback:survey", args=[survey.pk]),
        },
    )
