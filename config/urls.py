from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme

from civicloop.api import api
from civicloop.core import views as core_views
from civicloop.web import observability


def _admin_signed_in(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """/admin/login/ for someone already signed in as staff: on to `next` or the admin index.

    Django's own password form is never shown: signing in goes through allauth (MFA included)
    and allauth's ``secure_admin_login`` sends everyone else there with ``next``.
    """
    from civicloop.core.mfa import session_passed_mfa

    if not session_passed_mfa(request, request.user):  # type: ignore[arg-type]
        # Staff without a second factor in this session: enrol first (the admin needs it).
        return redirect("mfa_activate_totp")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "admin:index"
    return redirect(target)


admin.site.login = secure_admin_login(_admin_signed_in)  # type: ignore[method-assign]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("livez", observability.livez_view, name="livez"),
    path("readyz", observability.readyz_view, name="readyz"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("portfolio/", include("civicloop.portfolio.urls")),
    path("market/", include("civicloop.market.urls")),
    path("analytics/", include("civicloop.analytics.urls")),
    path("experiments/", include("civicloop.experiments.urls")),
    path("feedback/", include("civicloop.feedback.urls")),
    path("evidence/", include("civicloop.evidence.urls")),
    path("scaling/", include("civicloop.scaling.urls")),
    path("", include("civicloop.privacy.urls")),
    path("people/", include("civicloop.people.urls")),
    path("public/", include("civicloop.portal.urls")),
    path("participate/", include("civicloop.participation.urls")),
    path("notifications/", include("civicloop.notifications.urls")),
    path("admin/", admin.site.urls),
    path("", include("civicloop.core.urls")),
]

# API paths answer problem+json; a database outage answers 503 (civicloop/web/failure.py).
handler400 = "civicloop.web.failure.bad_request"
handler404 = "civicloop.web.failure.page_not_found"
handler500 = "civicloop.web.failure.server_error"
