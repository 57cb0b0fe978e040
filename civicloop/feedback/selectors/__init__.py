"""Every read of the feedback app, one module per sub-domain (the same names as `services` and
`views`): surveys, scores, themes, dashboard (iteration summaries and the service page),
representativeness and erasure. Reads are scoped by `core.permissions` through the viewer;
figures come from `civicloop.feedback.scoring`.

The names below are the app's public face: other apps import them from here.
"""

from civicloop.feedback.selectors.dashboard import (
    FeedbackSummary,
    ServiceDashboard,
    feedback_summary_for,
    iteration_feedback,
    iteration_feedback_summary,
    service_dashboard,
    service_keys,
)
from civicloop.feedback.selectors.dashboard_store import service_dashboard_read
from civicloop.feedback.selectors.erasure import RespondentResponses, respondent_responses
from civicloop.feedback.selectors.kpi_feed import feedable_kpis
from civicloop.feedback.selectors.representativeness import (
    TargetCheck,
    WeightedScores,
    makeup_target_group_get,
    makeup_target_groups,
    survey_representativeness,
    survey_target_checks,
)
from civicloop.feedback.selectors.results import (
    Distribution,
    score_distributions,
    scores_per_week,
)
from civicloop.feedback.selectors.scores import (
    GROUPINGS,
    SCORE_LABELS,
    satisfaction_share,
    scores_from_rows,
    survey_scores,
)
from civicloop.feedback.selectors.summary import (
    SurveySummary,
    oldest_computed_at,
    survey_service_keys,
    survey_summaries,
    survey_summary,
    survey_weekly,
)
from civicloop.feedback.selectors.surveys import (
    problem_surveys,
    respondent_count,
    survey_for_collection,
    survey_get,
    survey_list,
    survey_problem_choices,
    survey_public,
    visible_surveys,
)
from civicloop.feedback.selectors.themes import (
    ThemeSummary,
    latest_theme_run,
    survey_themes,
    theme_comments,
    theme_trends,
)

__all__ = [
    "SurveySummary",
    "oldest_computed_at",
    "survey_service_keys",
    "survey_summaries",
    "survey_summary",
    "survey_weekly",
    "Distribution",
    "score_distributions",
    "scores_per_week",
    "GROUPINGS",
    "SCORE_LABELS",
    "FeedbackSummary",
    "RespondentResponses",
    "ServiceDashboard",
    "TargetCheck",
    "ThemeSummary",
    "WeightedScores",
    "feedable_kpis",
    "feedback_summary_for",
    "iteration_feedback",
    "iteration_feedback_summary",
    "latest_theme_run",
    "problem_surveys",
    "respondent_count",
    "respondent_responses",
    "satisfaction_share",
    "scores_from_rows",
    "service_dashboard",
    "service_dashboard_read",
    "service_keys",
    "survey_get",
    "survey_list",
    "survey_for_collection",
    "survey_problem_choices",
    "survey_public",
    "makeup_target_group_get",
    "makeup_target_groups",
    "survey_representativeness",
    "survey_scores",
    "survey_target_checks",
    "survey_themes",
    "theme_comments",
    "theme_trends",
    "visible_surveys",
]
