from django.urls import path

from civicloop.participation.views import citizen, public, staff

app_name = "participation"
urlpatterns = [
    path("", public.proposal_list, name="list"),
    path("<int:pk>/", public.proposal_detail, name="detail"),
    path("<int:pk>/support/", public.support, name="support"),
    path("<int:pk>/withdraw/", public.withdraw, name="withdraw"),
    path("<int:pk>/follow/", public.follow, name="follow"),
    path("<int:pk>/comment/", public.comment, name="comment"),
    path("signup/", citizen.signup, name="signup"),
    path("propose/", citizen.propose, name="propose"),
    path("mine/", citizen.mine, name="mine"),
    path(
        "mine/citizen-proposals/<int:pk>/appeal/", citizen.proposal_appeal, name="proposal_appeal"
    ),
    path("mine/comments/<int:pk>/appeal/", citizen.comment_appeal, name="comment_appeal"),
    path("staff/", staff.queue, name="staff_queue"),
    path("staff/citizen-proposals/<int:pk>/", staff.proposal, name="staff_proposal"),
    path("staff/comments/<int:pk>/moderate/", staff.comment_moderate, name="staff_comment"),
    path("staff/supports/<int:pk>/review/", staff.support_review, name="staff_support"),
    path("staff/settings/", staff.unit_settings, name="staff_settings"),
]
