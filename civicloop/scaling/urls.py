from django.urls import path

from civicloop.scaling import views

app_name = "scaling"
urlpatterns = [
    path("", views.home, name="home"),
    path("assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/scores/", views.assessment_score, name="assessment_score"),
    path("obstacles/", views.obstacle_list, name="obstacles"),
    path("obstacles/new/", views.obstacle_create, name="obstacle_create"),
    path("obstacles/<int:pk>/status/", views.obstacle_status, name="obstacle_status"),
    path("problems/<int:problem_id>/plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/candidates/", views.candidate_add, name="candidate_add"),
    path("plans/<int:pk>/replications/", views.replication_add, name="replication_add"),
    path(
        "plans/<int:pk>/replications/remeasure/",
        views.replications_remeasure,
        name="replications_remeasure",
    ),
    path("sandboxes/new/", views.sandbox_apply, name="sandbox_apply"),
    path("sandboxes/<int:pk>/", views.sandbox_detail, name="sandbox"),
    path("sandboxes/<int:pk>/<str:action>/", views.sandbox_step, name="sandbox_step"),
    path("registry/", views.registry, name="registry"),
    path("registry/<slug:slug>/", views.registry_detail, name="registry_detail"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/new/", views.lesson_create, name="lesson_create"),
]
