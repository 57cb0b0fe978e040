from django.urls import path

from civicloop.analytics import views, warehouse_views

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("metrics/new/", views.metric_create, name="metric_create"),
    path("settings/warehouse/", warehouse_views.warehouse_settings, name="warehouse_settings"),
]
