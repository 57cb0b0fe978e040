from django.urls import path

from civicloop.privacy import views

app_name = "privacy"
urlpatterns = [
    path("settings/my-data/", views.my_data, name="my_data"),
    path("settings/data-subject-requests/", views.requests_home, name="requests"),
    path(
        "settings/data-subject-requests/people/<int:pk>/erase/",
        views.person_erase,
        name="person_erase",
    ),
]
