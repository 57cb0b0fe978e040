"""Every write of the feedback app, one module per sub-domain (the same names as `selectors`
and `views`): surveys, responses (submissions, redacted before storage), imports, links,
retention, erasure, the KPI feed and representativeness (target profiles). Theme runs and
human theme edits live in `civicloop.feedback.theming`. Comment text is never logged.

The names below are the app's public face: other apps import them from here.
"""

from civicloop.feedback.services.embedding import clean_origins, survey_set_embed_origins
from civicloop.feedback.services.erasure import respondent_erasure_run
from civicloop.feedback.services.exports import (
    EXPORT_FIELDS,
    EXPORT_FORMATS,
    ExportFilter,
    responses_export,
)
from civicloop.feedback.services.imports import (
    IMPORT_META_COLUMNS,
    MAX_IMPORT_ROWS,
    responses_import_csv,
)
from civicloop.feedback.services.kpi_feed import (
    FEED_WINDOW_DAYS,
    kpi_feed_record,
    kpi_feed_set,
    kpi_feeds_record_all,
)
from civicloop.feedback.services.links import TAG_RE, responses_link_pending, tagged_links
from civicloop.feedback.services.representativeness import profile_target_set
from civicloop.feedback.services.responses import (
    DUPLICATE_WINDOW,
    MAX_ANSWERS,
    MAX_TEXT,
    SubmitResult,
    response_submit,
)
from civicloop.feedback.services.retention import responses_purge_expired
from civicloop.feedback.services.surveys import (
    KEY_RE,
    LANGUAGES,
    question_add,
    survey_create,
    survey_set_status,
)

__all__ = [
    "clean_origins",
    "survey_set_embed_origins",
    "EXPORT_FIELDS",
    "EXPORT_FORMATS",
    "ExportFilter",
    "responses_export",
    "DUPLICATE_WINDOW",
    "FEED_WINDOW_DAYS",
    "IMPORT_META_COLUMNS",
    "KEY_RE",
    "LANGUAGES",
    "MAX_ANSWERS",
    "MAX_IMPORT_ROWS",
    "MAX_TEXT",
    "TAG_RE",
    "SubmitResult",
    "kpi_feed_record",
    "kpi_feed_set",
    "kpi_feeds_record_all",
    "profile_target_set",
    "question_add",
    "respondent_erasure_run",
    "response_submit",
    "responses_import_csv",
    "responses_link_pending",
    "responses_purge_expired",
    "survey_create",
    "survey_set_status",
    "tagged_links",
]
