from django.urls import path

from civicloop.experiments.views import decisions, experiments, iterations, results, services, sites

app_name = "experiments"
urlpatterns = [
    path("", services.home, name="home"),
    path("services/new/", services.service_create, name="service_create"),
    path("services/<int:pk>/", services.service_detail, name="service"),
    path("services/<int:pk>/iterations/new/", iterations.iteration_create, name="iteration_create"),
    path("iterations/<int:pk>/", iterations.iteration_detail, name="iteration"),
    path("iterations/<int:pk>/decision/", decisions.iteration_decide, name="iteration_decide"),
    path(
        "iterations/<int:pk>/experiments/new/",
        experiments.experiment_create,
        name="experiment_create",
    ),
    path("<int:pk>/", experiments.experiment_detail, name="experiment"),
    path("<int:pk>/plan/", experiments.experiment_plan_edit, name="experiment_plan_edit"),
    path(
        "<int:pk>/site-observations/",
        sites.experiment_sites_upload,
        name="experiment_sites_upload",
    ),
    path(
        "<int:pk>/site-observations/template.csv",
        sites.experiment_sites_template,
        name="experiment_sites_template",
    ),
    path(
        "<int:pk>/refresh-status/",
        results.experiment_refresh_status,
        name="experiment_refresh_status",
    ),
    # Last: any other single word after the experiment is an action (start, stop, refresh).
    path("<int:pk>/<str:action>/", experiments.experiment_action, name="experiment_action"),
]
