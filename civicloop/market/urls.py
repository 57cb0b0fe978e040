from django.urls import path

from civicloop.market import views

app_name = "market"
urlpatterns = [
    path("", views.home, name="home"),
    path("needs/", views.need_list, name="needs"),
    path("needs/merge/", views.need_merge, name="need_merge"),
    path("challenges/new/", views.challenge_create, name="challenge_create"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/questions/", views.question_ask, name="question_ask"),
    path("challenges/<int:pk>/manage/", views.challenge_manage, name="manage"),
    path("challenges/<int:pk>/edit/", views.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/propose/", views.proposal_submit, name="propose"),
    path("challenges/<int:pk>/ranking.<str:fmt>", views.ranking_export, name="ranking_export"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("vendor/", views.vendor_profile, name="vendor"),
    path("vendors/", views.vendor_list, name="vendors"),
    path("awards/<int:pk>/contract/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("metrics/", views.metrics_dashboard, name="metrics"),
]
