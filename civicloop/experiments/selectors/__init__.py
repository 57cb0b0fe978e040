"""Every read of the experiments app, scoped by `core.permissions`.

One module per sub-domain (the same names as `services/`, `api/` and `views/`); this package
re-exports the public names so `from civicloop.experiments import selectors` keeps working.
"""

from civicloop.experiments.selectors.decisions import (
    ResultEvidence,
    decision_for,
    decision_list_managed,
    decision_search,
    iteration_evidence,
    result_evidence,
)
from civicloop.experiments.selectors.effects import (
    EffectRow,
    ResultsSummary,
    effect_size_text,
    results_summary,
)
from civicloop.experiments.selectors.experiments import (
    RefreshStatus,
    RunningRow,
    experiment_get,
    experiment_get_by_key,
    experiment_list,
    refresh_status,
    running_order,
    running_overview,
    running_rows,
)
from civicloop.experiments.selectors.iterations import (
    IterationFeedbackReader,
    iteration_feedback,
    iteration_feedback_register,
    iteration_get,
    iteration_tag,
    iteration_titles,
    iteration_visible,
    iterations_tagged,
    json_safe,
)
from civicloop.experiments.selectors.results import (
    snapshot_headline,
    snapshot_latest,
    snapshot_list,
)
from civicloop.experiments.selectors.services import (
    TimelineEntry,
    problem_services,
    service_get,
    service_list,
    service_tag,
    service_timeline,
    services_tagged,
)
from civicloop.experiments.selectors.site_results import (
    SiteSummary,
    placebo_sentence,
    site_summary,
)

__all__ = [
    "ResultEvidence",
    "iteration_evidence",
    "result_evidence",
    "EffectRow",
    "effect_size_text",
    "ResultsSummary",
    "SiteSummary",
    "placebo_sentence",
    "results_summary",
    "site_summary",
    "IterationFeedbackReader",
    "RefreshStatus",
    "RunningRow",
    "TimelineEntry",
    "decision_for",
    "decision_list_managed",
    "decision_search",
    "experiment_get",
    "experiment_get_by_key",
    "experiment_list",
    "iteration_feedback",
    "iteration_feedback_register",
    "iteration_get",
    "iteration_tag",
    "iteration_titles",
    "iteration_visible",
    "iterations_tagged",
    "json_safe",
    "problem_services",
    "refresh_status",
    "running_order",
    "running_overview",
    "running_rows",
    "service_get",
    "service_list",
    "service_tag",
    "service_timeline",
    "services_tagged",
    "snapshot_headline",
    "snapshot_latest",
    "snapshot_list",
]
