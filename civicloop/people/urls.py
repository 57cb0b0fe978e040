from django.urls import path

from civicloop.people import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("invite/", views.invite, name="invite"),
    path("company/invite/", views.company_invite, name="company_invite"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organisations/", views.organizations, name="organizations"),
    path("join/", views.accept, name="accept"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/roles/", views.person_role_add, name="role_add"),
    path("<int:pk>/deactivate/", views.person_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="reactivate"),
    path("roles/<int:pk>/", views.membership_role, name="membership_role"),
    path("roles/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
