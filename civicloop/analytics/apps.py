from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "civicloop.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from civicloop.analytics import checks  # noqa: F401 - registers the system checks
