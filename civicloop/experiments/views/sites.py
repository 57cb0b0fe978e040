"""Pages of site observations: upload a CSV (all rows or none), download its template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from civicloop.core.csv_intake import ImportReport
from civicloop.core.http import principal
from civicloop.core.permissions import Ability, require
from civicloop.experiments import forms, selectors, services, site_csv
from civicloop.experiments.models import Experiment
from civicloop.web.exports import csv_response
from civicloop.web.forms import apply_errors


def _site_experiment_to_manage(request: HttpRequest, pk: int) -> Experiment:
    viewer = principal(request)
    experiment = selectors.experiment_get(viewer=viewer, pk=pk)
    if experiment.is_randomised:
        raise Http404("Not found")
    require(viewer, Ability.MANAGE_EXPERIMENTS, experiment.iteration.service.unit_id)
    return experiment


@login_required
@require_http_methods(["GET", "POST"])
def experiment_sites_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV of site observations (non-randomised designs): all rows or none."""
    experiment = _site_experiment_to_manage(request, pk)
    bound = (request.POST, request.FILES) if request.method == "POST" else ()
    form = forms.SiteObservationsUploadForm(*bound, max_bytes=site_csv.SITE_CSV_MAX_BYTES)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.site_observations_import_csv(
                actor=principal(request),
                experiment=experiment,
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if report.ok:
                messages.success(request, _recorded_message(report.imported))
                return redirect("experiments:experiment", experiment.pk)
            form.add_error("file", _rejected_message(report.rejected_rows))
    return render(
        request,
        "experiments/sites_upload.html",
        _upload_context(experiment, form, report),
        status=422 if form.errors else 200,
    )


def _recorded_message(recorded: int) -> str:
    return (
        ngettext(
            "%(n)s site observation recorded.",
            "%(n)s site observations recorded.",
            recorded,
        )
        % {"n": recorded}
        + " "
        + _("Refresh the results to analyse them.")
    )


def _rejected_message(rejected_rows: int) -> str:
    return ngettext(
        "%(n)s row was rejected, so nothing was recorded: fix the rows listed "
        "under Rejected rows and upload the file again.",
        "%(n)s rows were rejected, so nothing was recorded: fix the rows listed "
        "under Rejected rows and upload the file again.",
        rejected_rows,
    ) % {"n": rejected_rows}


def _upload_context(
    experiment: Experiment,
    form: forms.SiteObservationsUploadForm,
    report: ImportReport | None,
) -> dict[str, Any]:
    stored = experiment.site_observations
    return {
        "page_title": _("Upload site observations"),
        "experiment": experiment,
        "form": form,
        "report": report,
        "shown_errors": report.rejected[:200] if report else [],
        "stored": stored.count(),
        "stored_sites": stored.values("site").distinct().count(),
        "max_site_length": site_csv.SITE_MAX_LENGTH,
        "max_rows": site_csv.SITE_CSV_MAX_ROWS,
        "max_mb": site_csv.SITE_CSV_MAX_BYTES // (1024 * 1024),
        "metric": experiment.metric_links.select_related("metric").filter(role="primary").first(),
    }


@login_required
def experiment_sites_template(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The CSV to fill in: the header row of the site-observations upload."""
    experiment = _site_experiment_to_manage(request, pk)
    return csv_response(
        f"site-observations-{experiment.key}.csv", list(site_csv.SITE_CSV_COLUMNS), []
    )
