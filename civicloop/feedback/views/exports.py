"""Export of redacted responses: the page with its filters, and the streamed download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicloop.core.http import principal
from civicloop.feedback import forms, selectors, services
from civicloop.feedback.streams import streamed_download
from civicloop.web.forms import apply_errors


@login_required
@require_GET
def responses_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """GET without `format`: the form. With it: the download (or the form with its errors)."""
    viewer = principal(request)
    surveys = list(selectors.survey_list(viewer=viewer))
    if not surveys:
        raise Http404("Not found")
    form = forms.ExportForm(request.GET if "format" in request.GET else None, surveys=surveys)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        chosen = [s for s in surveys if d["survey"] is None or s.pk == d["survey"]]
        filters = services.ExportFilter(chosen, d["start"], d["end"], d["channel"])
        try:
            rows = services.responses_export(actor=viewer, filters=filters, fmt=d["format"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            stamp = timezone.localdate().isoformat()
            name = f"feedback-responses-{stamp}.{d['format']}"
            return streamed_download(name, d["format"], services.EXPORT_FIELDS, rows)
    return render(
        request,
        "feedback/export.html",
        {"page_title": _("Export redacted responses"), "form": form},
        status=422 if form.is_bound else 200,
    )
