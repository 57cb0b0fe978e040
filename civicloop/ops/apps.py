from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "civicloop.ops"
    label = "ops"
    verbose_name = "Operations"
