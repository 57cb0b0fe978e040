from django.urls import path

from civicloop.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.home, name="home"),
    path("problems/<int:pk>/", views.report, name="report"),
    path("problems/<int:pk>/figures/new/", views.service_figures, name="service_figures"),
    path("problems/<int:pk>/services/<str:service>/", views.report, name="service_report"),
    path("problems/<int:pk>/summary/", views.summary, name="summary"),
    path("problems/<int:pk>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("problems/<int:pk>/effects/new/", views.effect_create, name="effect_create"),
    path("problems/<int:pk>/themes/new/", views.theme_create, name="theme_create"),
    path("problems/<int:pk>/share/", views.share_create, name="share_create"),
    path("links/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("links/<int:link_id>/views/", views.share_views, name="share_views"),
    path("s/<str:token>/", views.shared_summary, name="shared"),
    path("s/<str:token>/summary.pdf", views.shared_summary_pdf, name="shared_pdf"),
]
