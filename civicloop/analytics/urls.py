from django.urls import path

from civicloop.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("metrics/new/", views.metric_create, name="metric_create"),
]
