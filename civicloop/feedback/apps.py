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

        # A survey's figures are computed once and stored (ADR 0019).
        from civicloop.core.aggregates import aggregate_kind_register
        from civicloop.feedback.selectors import summary

        for kind, compute in (
            (summary.SURVEY_KIND, summary.survey_summary_compute),
            (summary.WEEKLY_KIND, summary.survey_weekly_compute),
        ):
            aggregate_kind_register(
                kind,
                compute=compute,
                watermark=summary.survey_watermark,
                size=summary.survey_size,
            )

        # The service dashboard and iteration panels, per viewer's scope (ADR 0019, "Also stored").
        from civicloop.feedback.selectors import dashboard_store as store

        for kind, compute, watermark, size in (
            (
                store.SERVICE_KIND,
                store.service_dashboard_compute,
                store.service_watermark,
                store.service_size,
            ),
            (
                store.ITERATION_KIND,
                store.iteration_feedback_compute,
                store.iteration_watermark,
                store.iteration_size,
            ),
        ):
            aggregate_kind_register(kind, compute=compute, watermark=watermark, size=size)
