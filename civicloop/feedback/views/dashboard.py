"""Dashboard: a service's feedback over time, its themes and one panel per iteration."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.feedback import charts, selectors


@login_required
def service_dashboard(request: HttpRequest, service_key: str) -> HttpResponse:
    viewer = principal(request)
    dashboard, computed_at, stale = selectors.service_dashboard_read(
        viewer=viewer, service_key=service_key
    )
    spec, rows = charts.scores_over_time(dashboard.over_time)
    return render(
        request,
        "feedback/service.html",
        {
            "page_title": _("Feedback on %(service)s") % {"service": service_key},
            "dashboard": dashboard,
            "spec": spec,
            "rows": rows,
            "computed_at": computed_at,
            "stale": stale,
        },
    )
