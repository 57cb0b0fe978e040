from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "civicloop.feedback"
    label = "feedback"
    verbose_name = "Feedback"
