from django.apps import AppConfig


class ScalingConfig(AppConfig):
    name = "civicloop.scaling"
    label = "scaling"
    verbose_name = "Scaling"
