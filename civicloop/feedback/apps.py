from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "civicloop.feedback"
    label = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        # experiments is upstream of feedback and never imports it: feedback hands it the reader
        # of an iteration's citizen feedback (ADR 0011).
        from civicloop.experiments.selectors import iteration_feedback_register
        from civicloop.feedback.selectors import iteration_feedback_summary

        iteration_feedback_register("feedback", iteration_feedback_summary)
