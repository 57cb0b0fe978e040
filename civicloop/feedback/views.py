"""Feedback pages: the public survey and widget (no login, no cookies) and the staff pages."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.core.selectors import units_for
from civicloop.feedback import abuse, charts, forms, selectors, services, theming
from civicloop.feedback.labels import Labels
from civicloop.feedback.models import Channel, QuestionKind, Survey
from civicloop.portfolio.models import Kpi, Problem

# --- public: hosted survey page and widget ----------------------------------------------------


def _language(request: HttpRequest, survey: Survey) -> str:
    wanted = request.GET.get("lang") or request.POST.get("lang") or ""
    if wanted in survey.languages:
        return wanted
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:2].lower()
    return accept if accept in survey.languages else survey.languages[0]


def _questions(survey: Survey, language: str, *, widget: bool = False) -> list[dict[str, Any]]:
    questions = list(survey.questions.all())
    if widget:
        rating = next(
            (q for q in questions if q.construct in ("govuk", "csat")),
            next((q for q in questions if q.kind == QuestionKind.SCALE), None),
        )
        comment = next((q for q in questions if q.kind == QuestionKind.TEXT), None)
        questions = [q for q in (rating, comment) if q is not None]
    out = []
    for q in questions:
        options = []
        if q.kind == QuestionKind.SCALE:
            # The question_scale_bounds constraint makes both bounds set on scale questions.
            low, high = cast(int, q.scale_min), cast(int, q.scale_max)
            for value in range(low, high + 1):
                label = (
                    (q.labels.get(str(value)) or {}).get(language)
                    or (q.labels.get(str(value)) or {}).get("en")
                    or ""
                )
                options.append(
                    {
                        "value": str(value),
                        "label": f"{value} – {label}"
                        if label and high > 5
                        else (label or str(value)),
                    }
                )
        elif q.kind == QuestionKind.CHOICE:
            options = [
                {"value": c["value"], "label": c.get(language) or c.get("en") or c["value"]}
                for c in q.choices
            ]
        out.append(
            {
                "key": q.key,
                "kind": q.kind,
                "text": q.text_in(language),
                "required": q.required,
                "options": options,
            }
        )
    return out


def _submit_public(
    request: HttpRequest, survey: Survey, channel: str, language: str, widget: bool
) -> tuple[str, dict[str, str]]:
    """'ok', 'honeypot', 'limited' or 'invalid' (with errors by question key)."""
    if abuse.honeypot_filled(request.POST):
        return "honeypot", {}
    client = abuse.client_key(request)
    if abuse.rate_limited(client=client):
        return "limited", {}
    keys = [q["key"] for q in _questions(survey, language, widget=widget)]
    try:
        services.response_submit(
            survey=survey,
            answers={k: request.POST.get(k, "") for k in keys},
            channel=channel,
            language=language,
            page=request.POST.get("page", ""),
            variant=request.POST.get("variant", "")[:60],
            respondent_id=request.POST.get("unit", "")[:128],
            client=client,
            # The citizen cannot fix the page's tag: an id that looks personal is hashed, not
            # refused, so their answer is kept (docs/feedback/README.md "Respondent ids").
            personal_respondent_id="hash",
        )
    except ValidationError as error:
        errors = {}
        for name, msgs in error.message_dict.items():
            errors[name.removeprefix("answers.")] = msgs[0]
        return "invalid", errors
    return "ok", {}


def _public_context(
    request: HttpRequest,
    survey: Survey,
    language: str,
    *,
    widget: bool,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    source = request.POST if request.method == "POST" else request.GET
    questions = _questions(survey, language, widget=widget)
    return {
        "survey": survey,
        "language": language,
        "title": survey.title_in(language),
        "intro": survey.text_in("intro", language),
        "consent": survey.text_in("consent", language),
        "questions": questions,
        "errors": errors or {},
        "anchors": {
            q["key"]: f"q-{q['key']}" + ("" if q["kind"] == "text" else "-1") for q in questions
        },
        "values": request.POST if request.method == "POST" else {},
        "hidden": {k: source.get(k, "")[:300] for k in ("page", "variant", "unit")},
        "other_languages": [lang for lang in survey.languages if lang != language],
        "honeypot": abuse.HONEYPOT_FIELD,
    }


@csrf_exempt  # public form without cookies: no session, so no cross-site authority to forge
@require_http_methods(["GET", "POST"])
def survey_public(request: HttpRequest, slug: str) -> HttpResponse:
    survey = selectors.survey_public(slug=slug)
    language = _language(request, survey)
    with translation.override(language):
        errors: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            outcome, errors = _submit_public(request, survey, Channel.HOSTED, language, False)
            if outcome in ("ok", "honeypot"):
                return redirect(reverse("feedback:thanks", args=[slug]) + f"?lang={language}")
            status = 429 if outcome == "limited" else 422
            if outcome == "limited":
                errors = {
                    "__all__": _(
                        "You have sent several responses in a short time. "
                        "Please try again in a few minutes."
                    )
                }
        context = _public_context(request, survey, language, widget=False, errors=errors)
        return render(request, "feedback/public_survey.html", context, status=status)


def survey_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    survey = selectors.survey_public(slug=slug)
    language = _language(request, survey)
    with translation.override(language):
        return render(
            request,
            "feedback/public_thanks.html",
            {"survey": survey, "language": language, "title": survey.title_in(language)},
        )


@csrf_exempt  # embedded on other sites; no cookies are read or set
@require_http_methods(["GET", "POST"])
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the widget's no-JavaScript form on its own page. POST: a widget submission."""
    survey = selectors.survey_public(slug=slug)
    language = _language(request, survey)
    wants_json = "application/json" in request.META.get("HTTP_ACCEPT", "")
    with translation.override(language):
        errors: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            outcome, errors = _submit_public(request, survey, Channel.WIDGET, language, True)
            status = {"ok": 201, "honeypot": 201, "limited": 429, "invalid": 422}[outcome]
            if wants_json:
                body = {
                    "status": outcome if outcome != "honeypot" else "ok",
                    "errors": errors,
                    "message": _("Thank you for your feedback.")
                    if status == 201
                    else _("Please check your answers."),
                }
                response = JsonResponse(body, status=status)
                response["Access-Control-Allow-Origin"] = "*"
                return response
            if status == 201:
                return render(
                    request,
                    "feedback/public_thanks.html",
                    {"survey": survey, "language": language, "title": survey.title_in(language)},
                    status=201,
                )
            if outcome == "limited":
                errors = {
                    "__all__": _(
                        "You have sent several responses in a short time. "
                        "Please try again in a few minutes."
                    )
                }
        context = _public_context(request, survey, language, widget=True, errors=errors)
        context["action"] = reverse("feedback:widget", args=[slug])
        return render(request, "feedback/widget_page.html", context, status=status)


# --- staff pages ------------------------------------------------------------------------------


def _apply_errors(form, error: ValidationError) -> None:
    for name, msgs in error.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_FEEDBACK) or viewer.agencies_with(Ability.VIEW_FEEDBACK)
    ):
        raise Http404("Not found")
    return render(
        request,
        "feedback/home.html",
        {
            "page_title": _("Feedback"),
            "surveys": list(selectors.survey_list(viewer=viewer)),
            "services": selectors.service_keys(viewer=viewer),
            "can_manage": bool(viewer.units_with(Ability.MANAGE_FEEDBACK)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = list(units_for(viewer=viewer, ability=Ability.MANAGE_FEEDBACK))
    if not units:
        raise Http404("Not found")
    unit = units[0]
    problems = Problem.objects.filter(unit=unit).order_by("title")
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
            _apply_errors(form, error)
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
        },
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    by = request.GET.get("by") if request.GET.get("by") in selectors.GROUPINGS else None
    can_manage = can(viewer, Ability.MANAGE_FEEDBACK, unit_id=survey.unit_id)
    kpis = Kpi.objects.filter(
        problem__unit_id=survey.unit_id, template_key="user_satisfaction"
    ).select_related("problem")
    return render(
        request,
        "feedback/survey.html",
        {
            "page_title": survey.title_in("en"),
            "survey": survey,
            "questions": list(survey.questions.all()),
            "overall": selectors.survey_scores(survey=survey).get("all", []),
            "by": by,
            "grouped": selectors.survey_scores(survey=survey, by=by) if by else {},
            "targets": selectors.survey_target_checks(survey=survey),
            "labels": Labels(survey, translation.get_language() or "en"),
            "groupings": selectors.GROUPINGS,
            "n": selectors.respondent_count(survey=survey),
            "can_manage": can_manage,
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
        },
    )


def _embed_html(request: HttpRequest, survey: Survey) -> str:
    """The widget's form markup, ready to paste into a service's page."""
    language = survey.languages[0]
    questions = _questions(survey, language, widget=True)
    with translation.override(language):
        html = render_to_string(
            "feedback/includes/widget_form.html",
            {
                "survey": survey,
                "language": language,
                "questions": questions,
                "errors": {},
                "values": {},
                "hidden": {"page": "", "variant": "", "unit": ""},
                "honeypot": abuse.HONEYPOT_FIELD,
                "consent": survey.text_in("consent", language),
                "action": request.build_absolute_uri(
                    reverse("feedback:widget", args=[survey.slug])
                ),
            },
            request=request,
        )
    script = request.build_absolute_uri("/static/feedback/widget.js")
    return f'{html.strip()}\n<script src="{script}" defer></script>'


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
@require_POST
def survey_kpi_feed(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    kpis = Kpi.objects.filter(problem__unit_id=survey.unit_id, template_key="user_satisfaction")
    form = forms.KpiFeedForm(request.POST, kpis=kpis.select_related("problem"))
    if form.is_valid():
        try:
            kpi = (
                kpis.filter(pk=form.cleaned_data["kpi"]).first()
                if form.cleaned_data["kpi"]
                else None
            )
            services.kpi_feed_set(actor=viewer, survey=survey, kpi=kpi)
            if kpi is not None:
                services.kpi_feed_record(survey=survey)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, _("KPI feed saved."))
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
            _apply_errors(form, error)
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


@login_required
@require_http_methods(["GET", "POST"])
def survey_import(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.responses_import_csv(
            actor=viewer, survey=survey, content=form.cleaned_data["file"].read()
        )
        if report.ok:
            messages.success(request, _("%(n)s responses imported.") % {"n": report.imported})
            return redirect("feedback:survey", survey.pk)
    return render(
        request,
        "feedback/form.html",
        {
            "page_title": _("Import phone and in-person responses"),
            "form": form,
            "submit": _("Import"),
            "back": reverse("feedback:survey", args=[survey.pk]),
            "report": report,
            "multipart": True,
        },
        status=422 if report and not report.ok else 200,
    )


@login_required
def survey_themes(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    themes = selectors.survey_themes(survey=survey)
    trend = request.GET.get("trend")
    by = trend if trend in ("variant", "month") else "iteration"
    return render(
        request,
        "feedback/themes.html",
        {
            "page_title": _("Themes"),
            "survey": survey,
            "themes": themes,
            "comments": selectors.theme_comments(survey=survey),
            "trends": selectors.theme_trends(survey=survey, by=by),
            "trend_by": by,
            "labels": Labels(survey, translation.get_language() or "en"),
            "run": selectors.latest_theme_run(survey=survey),
            "can_manage": can(viewer, Ability.MANAGE_FEEDBACK, unit_id=survey.unit_id),
        },
    )


@login_required
@require_POST
def themes_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    theming.theme_run_queue(actor=viewer, survey=survey)
    messages.success(request, _("Theme run queued; the page shows the result when it is done."))
    return redirect("feedback:themes", survey.pk)


@login_required
@require_POST
def theme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    p = request.POST
    try:
        theming.theme_edit(
            actor=viewer,
            survey=survey,
            operation=p.get("operation", ""),
            theme_key=p.get("theme") or None,
            theme_keys=p.getlist("themes"),
            label=p.get("label") or None,
            comment_ids=[int(c) for c in p.getlist("comments") if c.isdigit()],
        )
    except ValidationError as error:
        messages.error(request, "; ".join(f"{k}: {v[0]}" for k, v in error.message_dict.items()))
    else:
        messages.success(request, _("Theme updated; later runs keep this decision."))
    return redirect("feedback:themes", survey.pk)


@login_required
def service_dashboard(request: HttpRequest, service_key: str) -> HttpResponse:
    viewer = principal(request)
    dashboard = selectors.service_dashboard(viewer=viewer, service_key=service_key)
    spec, rows = charts.scores_over_time(dashboard.over_time)
    return render(
        request,
        "feedback/service.html",
        {
            "page_title": _("Feedback on %(service)s") % {"service": service_key},
            "dashboard": dashboard,
            "spec": spec,
            "rows": rows,
        },
    )


CONFIRM_ID = "confirm_%s"  # the find form above uses the default ids


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """A respondent's erasure in three steps: find (the id is POSTed, never put in a URL, as it
    may be a personal identifier), confirm by typing the id again, then the report."""
    viewer = principal(request)
    if not units_for(viewer=viewer, ability=Ability.MANAGE_FEEDBACK).exists():
        raise Http404("Not found")
    find = forms.EraseForm(request.POST or None)
    confirm: forms.RespondentEraseForm | None = None
    found = None
    if request.method == "POST" and "confirm_respondent_id" in request.POST:
        confirm = forms.RespondentEraseForm(request.POST, auto_id=CONFIRM_ID)
        find = forms.EraseForm({"respondent_id": request.POST.get("respondent_id", "")})
        if confirm.is_valid():
            try:
                report = services.respondent_erasure_run(
                    actor=viewer,
                    respondent_id=confirm.cleaned_data["respondent_id"],
                    confirm_respondent_id=confirm.cleaned_data["confirm_respondent_id"],
                )
            except ValidationError as error:
                _apply_errors(confirm, error)
            else:
                return render(
                    request,
                    "privacy/erasure_report.html",
                    {
                        "page_title": _("Erasure report"),
                        "heading": _("Respondent's responses erased"),
                        "report": report,
                        "back_url": reverse("feedback:erase"),
                        "back_label": _("Erase another respondent's responses"),
                    },
                )
    if request.method == "POST" and find.is_valid():
        try:
            found = selectors.respondent_responses(
                viewer=viewer, respondent_id=find.cleaned_data["respondent_id"]
            )
        except ValidationError as error:
            _apply_errors(find, error)
            confirm = None
        else:
            if confirm is None and found.total:
                confirm = forms.RespondentEraseForm(
                    initial={"respondent_id": find.cleaned_data["respondent_id"]},
                    auto_id=CONFIRM_ID,
                )
    return render(
        request,
        "feedback/erase.html",
        {
            "page_title": _("Erase a respondent's responses"),
            "find": find,
            "found": found,
            "confirm": confirm if found and found.total else None,
            "language": translation.get_language() or "en",
        },
    )
