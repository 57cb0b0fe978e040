from django.urls import path

from civicloop.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.survey_create, name="create"),
    path("erase/", views.erase, name="erase"),
    path("s/<slug:slug>/", views.survey_public, name="public"),
    path("s/<slug:slug>/thanks/", views.survey_thanks, name="thanks"),
    path("w/<slug:slug>/", views.widget, name="widget"),
    path("services/<str:service_key>/", views.service_dashboard, name="service"),
    path("<int:pk>/", views.survey_detail, name="survey"),
    path("<int:pk>/questions/new/", views.question_add, name="question_add"),
    path("<int:pk>/import/", views.survey_import, name="import"),
    path("<int:pk>/status/", views.survey_status, name="status"),
    path("<int:pk>/kpi-feed/", views.survey_kpi_feed, name="kpi_feed"),
    path("<int:pk>/themes/", views.survey_themes, name="themes"),
    path("<int:pk>/themes/refresh/", views.themes_refresh, name="themes_refresh"),
    path("<int:pk>/themes/edit/", views.theme_edit, name="theme_edit"),
]
