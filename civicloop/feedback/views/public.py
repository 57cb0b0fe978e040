"""Public pages: the hosted survey and the widget (no login, no cookies)."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civicloop.feedback import abuse, selectors, services
from civicloop.feedback.models import Channel, QuestionKind, Survey
from civicloop.web.middleware import CSP


def _language(request: HttpRequest, survey: Survey) -> str:
    wanted = request.GET.get("lang") or request.POST.get("lang") or ""
    if wanted in survey.languages:
        return wanted
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:2].lower()
    return accept if accept in survey.languages else survey.languages[0]


def survey_questions(
    survey: Survey, language: str, *, widget: bool = False
) -> list[dict[str, Any]]:
    """The questions as a public page shows them (the widget: one rating and one comment)."""
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
    hashes = abuse.client_hashes(request)
    client = hashes["client_hash"]
    if abuse.rate_limited(client=client, client_previous=hashes["client_hash_previous"]):
        return "limited", {}
    keys = [q["key"] for q in survey_questions(survey, language, widget=widget)]
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
    questions = survey_questions(survey, language, widget=widget)
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


def _framed(response: HttpResponse, survey: Survey) -> HttpResponse:
    """Let the survey's allowed origins show the widget page in a frame; nobody else."""
    origins = [o for o in survey.embed_origins or [] if isinstance(o, str)]
    if origins:
        ancestors = "frame-ancestors 'self' " + " ".join(origins)
        response["Content-Security-Policy"] = CSP.replace("frame-ancestors 'none'", ancestors)
    else:
        response["X-Frame-Options"] = "DENY"
    return response


@never_cache
@require_http_methods(["GET"])
def widget_questions(request: HttpRequest, slug: str) -> JsonResponse:
    """The widget's current questions and texts for widget.js (any origin may read them)."""
    survey = selectors.survey_public(slug=slug)
    language = _language(request, survey)
    with translation.override(language):
        body = {
            "action": request.build_absolute_uri(reverse("feedback:widget", args=[slug])),
            "language": language,
            "title": survey.title_in(language),
            "consent": survey.text_in("consent", language),
            "questions": survey_questions(survey, language, widget=True),
            "honeypot": abuse.HONEYPOT_FIELD,
            "texts": {
                "open": _("Give feedback"),
                "close": _("Close"),
                "send": _("Send feedback"),
                "required": _("required"),
                "sending_failed": _("Your feedback could not be sent. Please try again."),
            },
        }
    response = JsonResponse(body)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # embedded on other sites; no cookies are read or set
@xframe_options_exempt  # _framed decides, per survey
@require_http_methods(["GET", "POST"])
def widget(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the widget's no-JavaScript form on its own page. POST: a widget submission."""
    survey = selectors.survey_public(slug=slug)
    return _framed(_widget(request, survey), survey)


def _widget(request: HttpRequest, survey: Survey) -> HttpResponse:
    slug = survey.slug
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
