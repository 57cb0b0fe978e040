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
        # A person's erasure and export reach their notifications (privacy sits below us)
        from civicloop.notifications import selectors
        from civicloop.notifications.services.erasure import person_notifications_erase
        from civicloop.privacy.signals import person_erasing, personal_data_exporting

        person_erasing.connect(person_notifications_erase, dispatch_uid="notifications-erase")
        personal_data_exporting.connect(
            selectors.personal_data, dispatch_uid="notifications-export"
        )
