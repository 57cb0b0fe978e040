from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "civicloop.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        # Connects the receiver that turns a database outage into a 503 (see failure.py).
        from civicloop.web import failure  # noqa: F401
