"""The KPI feed: a survey feeds its unit's 'user satisfaction' KPI."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.feedback import forms, selectors, services


@login_required
@require_POST
def survey_kpi_feed(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    survey = selectors.survey_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_FEEDBACK)
    kpis = selectors.feedable_kpis(viewer=viewer, survey=survey)
    form = forms.KpiFeedForm(request.POST, kpis=kpis)
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
