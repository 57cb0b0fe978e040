"""Typed names of the feedback app's audit events (never carrying comment text)."""

from enum import StrEnum


class FeedbackEvent(StrEnum):
    SURVEY_CREATED = "feedback.survey_created"
    SURVEY_UPDATED = "feedback.survey_updated"
    QUESTION_ADDED = "feedback.question_added"
    RESPONSE_SUBMITTED = "feedback.response_submitted"
    RESPONSES_IMPORTED = "feedback.responses_imported"
    RESPONSES_EXPORTED = "feedback.responses_exported"
    RESPONSES_PURGED = "feedback.responses_purged"
    RESPONSES_LINKED = "feedback.responses_linked"
    RESPONDENT_ERASED = "feedback.respondent_erased"
    THEMES_REFRESHED = "feedback.themes_refreshed"
    THEME_EDITED = "feedback.theme_edited"
    KPI_FEED_SET = "feedback.kpi_feed_set"
    KPI_FED = "feedback.kpi_fed"
    PROFILE_TARGET_SET = "feedback.profile_target_set"
