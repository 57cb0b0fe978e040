"""Pages of results: the refresh status fragment the results region polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicloop.core.http import principal
from civicloop.experiments import selectors


@login_required
def experiment_refresh_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status of the last refresh, as a fragment the results page polls (htmx)."""
    experiment = selectors.experiment_get(viewer=principal(request), pk=pk)
    refresh = selectors.refresh_status(experiment=experiment)
    response = render(
        request,
        "experiments/_refresh_status.html",
        {"experiment": experiment, "refresh": refresh},
    )
    if request.headers.get("HX-Request") and (refresh is None or not refresh.active):
        # The poll has seen the refresh end: the results region reloads itself on this event.
        response["HX-Trigger"] = "experiment-refreshed"
    return response
