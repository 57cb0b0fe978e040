from django.contrib import admin
from django.urls import include, path

from civicloop.api import api
from civicloop.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
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
    path("admin/", admin.site.urls),
    path("", include("civicloop.core.urls")),
]

# API paths answer problem+json; a database outage answers 503 (civicloop/web/failure.py).
handler400 = "civicloop.web.failure.bad_request"
handler404 = "civicloop.web.failure.page_not_found"
handler500 = "civicloop.web.failure.server_error"
