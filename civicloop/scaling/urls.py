from django.urls import path

from civicloop.scaling.views import (
    assessments,
    home,
    lessons,
    obstacles,
    plans,
    replications,
    sandboxes,
)

app_name = "scaling"
urlpatterns = [
    path("", home.home, name="home"),
    path("assessments/new/", assessments.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/scores/", assessments.assessment_score, name="assessment_score"),
    path("obstacles/", obstacles.obstacle_list, name="obstacles"),
    path("obstacles/new/", obstacles.obstacle_create, name="obstacle_create"),
    path("obstacles/<int:pk>/status/", obstacles.obstacle_status, name="obstacle_status"),
    path("problems/<int:problem_id>/plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/candidates/", plans.candidate_add, name="candidate_add"),
    path("plans/<int:pk>/replications/", replications.replication_add, name="replication_add"),
    path(
        "plans/<int:pk>/replications/remeasure/",
        replications.replications_remeasure,
        name="replications_remeasure",
    ),
    path("sandboxes/new/", sandboxes.sandbox_apply, name="sandbox_apply"),
    path("sandboxes/<int:pk>/", sandboxes.sandbox_detail, name="sandbox"),
    path("sandboxes/<int:pk>/<str:action>/", sandboxes.sandbox_step, name="sandbox_step"),
    path("registry/", sandboxes.registry, name="registry"),
    path("registry/<slug:slug>/", sandboxes.registry_detail, name="registry_detail"),
    path("lessons/", lessons.lessons, name="lessons"),
    path("lessons/new/", lessons.lesson_create, name="lesson_create"),
]
