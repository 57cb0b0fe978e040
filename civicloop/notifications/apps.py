from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from civicloop.core.models import AuditEvent
        from civicloop.notifications import hooks

        post_save.connect(
            hooks.audit_event_saved, sender=AuditEvent, dispatch_uid="notifications-audit"
        )
