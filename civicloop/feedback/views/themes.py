"""Themes: a survey's themes, comments and trends; queue a run; a person's edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.feedback import selectors, theming
from civicloop.feedback.labels import Labels
from civicloop.web.pagination import page_of


@login_required
def survey_themes(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk)
    themes = selectors.survey_themes(survey=survey)
    trend = request.GET.get("trend")
    by = trend if trend in ("variant", "month") else "iteration"
    summary = selectors.survey_summary(survey=survey)
    return render(
        request,
        "feedback/themes.html",
        {
            "page_title": _("Themes"),
            "survey": survey,
            "themes": themes,
            "comments": page_of(request, selectors.theme_comments(survey=survey)),
            "trends": summary.trends.get(by, []),
            "summary": summary,
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
