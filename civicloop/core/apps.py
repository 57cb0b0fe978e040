from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from civicloop.core import mfa  # noqa: F401 - registers the MFA settings check
