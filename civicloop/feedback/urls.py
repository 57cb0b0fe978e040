from django.urls import path

from civicloop.feedback.views import (
    dashboard,
    erasure,
    exports,
    imports,
    kpi_feed,
    public,
    representativeness,
    surveys,
    themes,
)

app_name = "feedback"
urlpatterns = [
    path("", surveys.home, name="home"),
    path("new/", surveys.survey_create, name="create"),
    path("erase/", erasure.erase, name="erase"),
    path("make-up/", representativeness.target_makeup, name="makeup"),
    path("export/", exports.responses_export, name="export"),
    path("s/<slug:slug>/", public.survey_public, name="public"),
    path("s/<slug:slug>/thanks/", public.survey_thanks, name="thanks"),
    path("w/<slug:slug>/", public.widget, name="widget"),
    path("w/<slug:slug>/questions.json", public.widget_questions, name="widget_questions"),
    path("<int:pk>/embed/", surveys.survey_embed_origins, name="embed_origins"),
    path("services/<str:service_key>/", dashboard.service_dashboard, name="service"),
    path("<int:pk>/", surveys.survey_detail, name="survey"),
    path("<int:pk>/questions/new/", surveys.question_add, name="question_add"),
    path("<int:pk>/import/", imports.survey_import, name="import"),
    path("<int:pk>/status/", surveys.survey_status, name="status"),
    path("<int:pk>/kpi-feed/", kpi_feed.survey_kpi_feed, name="kpi_feed"),
    path("<int:pk>/themes/", themes.survey_themes, name="themes"),
    path("<int:pk>/themes/refresh/", themes.themes_refresh, name="themes_refresh"),
    path("<int:pk>/themes/edit/", themes.theme_edit, name="theme_edit"),
]
