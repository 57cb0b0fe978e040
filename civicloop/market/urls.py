from django.urls import path

from civicloop.market.views import (
    attachments,
    challenges,
    consultation,
    contracts,
    dashboard,
    evaluation,
    metrics,
    needs,
    proposals,
    signup,
    vendors,
)

app_name = "market"
urlpatterns = [
    path("", challenges.home, name="home"),
    path("needs/", needs.need_list, name="needs"),
    path("needs/merge/", needs.need_merge, name="need_merge"),
    path("challenges/new/", challenges.challenge_create, name="challenge_create"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/questions/", consultation.question_ask, name="question_ask"),
    path("challenges/<int:pk>/manage/", challenges.challenge_manage, name="manage"),
    path("challenges/<int:pk>/edit/", challenges.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/propose/", proposals.proposal_submit, name="propose"),
    path("challenges/<int:pk>/ranking.<str:fmt>", evaluation.ranking_export, name="ranking_export"),
    path(
        "challenges/<int:pk>/rfi-responses.<str:fmt>",
        consultation.rfi_export,
        name="rfi_export",
    ),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal"),
    path("files/<int:pk>/", attachments.file_download, name="file"),
    path("company/", dashboard.vendor_dashboard, name="vendor_dashboard"),
    path("register/", signup.company_signup, name="company_signup"),
    path("vendor/", vendors.vendor_profile, name="vendor"),
    path("vendor/subscription/", vendors.vendor_subscription, name="vendor_subscription"),
    path("vendors/", vendors.vendor_list, name="vendors"),
    path("awards/<int:pk>/contract/", contracts.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract"),
    path("metrics/", metrics.metrics_dashboard, name="metrics"),
]
