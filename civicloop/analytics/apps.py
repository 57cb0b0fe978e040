from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "civicloop.analytics"
    label = "analytics"
    verbose_name = "Analytics"
