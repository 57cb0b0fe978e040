from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "civicloop.privacy"
    label = "privacy"
    verbose_name = "Data subject rights"
