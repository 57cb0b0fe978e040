"""Programme metrics: competition, supplier diversity and concentration, speed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.market import selectors
from civicloop.market.charts import metrics_charts


@login_required
def metrics_dashboard(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    m = selectors.programme_metrics(viewer=viewer)
    return render(
        request,
        "market/metrics.html",
        {"page_title": _("Programme metrics"), "m": m, **metrics_charts(m)},
    )
