from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicloop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civicloop.core import mfa  # noqa: F401 - registers the MFA settings check
        from civicloop.core.timezones import remember

        def _remember_zone(sender: object, request: object, user: object, **kwargs: object) -> None:
            session = getattr(request, "session", None)
            if session is not None:
                remember(session, user)

        user_logged_in.connect(_remember_zone, dispatch_uid="civicloop_remember_time_zone")
