from django.urls import path

from civicloop.core import views

app_name = "core"
urlpatterns = [
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/account/", views.account, name="account"),
    path("settings/prioritisation/", views.prioritisation, name="prioritisation"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/<int:sequence>/", views.audit_event, name="audit_event"),
]
