from django.urls import path

from civicloop.portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_create, name="create"),
    path("import/", views.measurement_import, name="import"),
    path("target-groups/new/", views.target_group_create, name="target_group_create"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/edit/", views.problem_edit, name="edit"),
    path("<int:pk>/stage/", views.problem_move_stage, name="move_stage"),
    path("<int:pk>/publish/", views.problem_publish, name="publish"),
    path("<int:pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi"),
    path("kpis/<int:pk>/measurements/", views.measurement_create, name="measurement_create"),
]
