from django.urls import path

from civicloop.experiments import views

app_name = "experiments"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/<int:pk>/iterations/new/", views.iteration_create, name="iteration_create"),
    path("iterations/<int:pk>/", views.iteration_detail, name="iteration"),
    path("iterations/<int:pk>/decision/", views.iteration_decide, name="iteration_decide"),
    path("iterations/<int:pk>/experiments/new/", views.experiment_create, name="experiment_create"),
    path("<int:pk>/", views.experiment_detail, name="experiment"),
    path("<int:pk>/plan/", views.experiment_plan_edit, name="experiment_plan_edit"),
    path(
        "<int:pk>/site-observations/",
        views.experiment_sites_upload,
        name="experiment_sites_upload",
    ),
    path(
        "<int:pk>/site-observations/template.csv",
        views.experiment_sites_template,
        name="experiment_sites_template",
    ),
    path(
        "<int:pk>/refresh-status/",
        views.experiment_refresh_status,
        name="experiment_refresh_status",
    ),
    # Last: any other single word after the experiment is an action (start, stop, refresh).
    path("<int:pk>/<str:action>/", views.experiment_action, name="experiment_action"),
]
