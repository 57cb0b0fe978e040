from django.urls import path

from civicloop.portal import feeds
from civicloop.portal.views import open_data, public, staff
from civicloop.portal.views._common import public_page

app_name = "portal"
urlpatterns = [
    path("", public.home, name="home"),
    path("language/<str:code>/", public.language, name="language"),
    path("challenges/", public.challenge_list, name="challenges"),
    path("challenges/feed/", public_page(feeds.ChallengeFeed()), name="challenges_feed"),
    path("challenges/<int:pk>/", public.challenge_detail, name="challenge"),
    path("problems/", public.problem_list, name="problems"),
    path("problems/feed/", public_page(feeds.ProblemFeed()), name="problems_feed"),
    path("problems/<int:pk>/", public.problem_detail, name="problem"),
    path("results/", public.result_list, name="results"),
    path("results/feed/", public_page(feeds.ResultFeed()), name="results_feed"),
    path("results/<int:pk>/", public.result_detail, name="result"),
    path("awards/", public.award_list, name="awards"),
    path("awards/feed/", public_page(feeds.AwardFeed()), name="awards_feed"),
    path("awards/<int:pk>/", public.award_detail, name="award"),
    path("sandboxes/", public.sandbox_list, name="sandboxes"),
    path("sandboxes/feed/", public_page(feeds.SandboxFeed()), name="sandboxes_feed"),
    path("sandboxes/<slug:slug>/", public.sandbox_detail, name="sandbox"),
    path("open-data/", open_data.catalogue, name="catalogue"),
    path("open-data/<slug:slug>/", open_data.dataset, name="dataset"),
    path(
        "open-data/<slug:slug>/download.<str:fmt>",
        open_data.dataset_download,
        name="dataset_download",
    ),
    path("manage/summaries/", staff.summary_list, name="staff_summaries"),
    path(
        "manage/decisions/<int:decision_pk>/summary/",
        staff.summary_draft,
        name="staff_summary_draft",
    ),
    path("manage/summaries/<int:pk>/", staff.summary_edit, name="staff_summary"),
    path("manage/summaries/<int:pk>/publish/", staff.summary_publish, name="staff_summary_publish"),
    path(
        "manage/summaries/<int:pk>/withdraw/", staff.summary_withdraw, name="staff_summary_withdraw"
    ),
]
