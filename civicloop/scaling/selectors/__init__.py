"""Every read of the scaling app, scoped by `core.permissions` (outside scope → 404).

One module per sub-domain (the same names as in `services`, `api` and `views`); the public
names are re-exported here so that `from civicloop.scaling import selectors` keeps working.
"""

from civicloop.scaling.selectors.assessments import (
    AssessmentResult,
    assessment_get,
    assessment_list,
    assessment_result,
)
from civicloop.scaling.selectors.lessons import (
    ARCHIVE_SHOWN,
    ClosedProblem,
    IterationLesson,
    closed_problem_list,
    iteration_lessons,
    lesson_search,
)
from civicloop.scaling.selectors.measured import (
    MeasuredEffect,
    measured_effect_get,
    measured_effect_list,
)
from civicloop.scaling.selectors.obstacles import (
    ObstacleFilters,
    obstacle_get,
    obstacle_heatmap,
    obstacle_list,
    obstacle_overdue,
)
from civicloop.scaling.selectors.plans import plan_get, plan_list, plan_projection
from civicloop.scaling.selectors.replications import (
    ReplicationVerdict,
    replication_compare,
    replication_list,
    replication_verdict,
)
from civicloop.scaling.selectors.sandboxes import (
    PUBLIC_STATUSES,
    sandbox_get,
    sandbox_list,
    sandbox_public_get,
    sandbox_public_list,
    sandbox_titles,
)

__all__ = [
    "PUBLIC_STATUSES",
    "AssessmentResult",
    "ARCHIVE_SHOWN",
    "ClosedProblem",
    "IterationLesson",
    "MeasuredEffect",
    "ReplicationVerdict",
    "ObstacleFilters",
    "assessment_get",
    "assessment_list",
    "assessment_result",
    "closed_problem_list",
    "iteration_lessons",
    "lesson_search",
    "measured_effect_get",
    "measured_effect_list",
    "obstacle_get",
    "obstacle_heatmap",
    "obstacle_list",
    "obstacle_overdue",
    "plan_get",
    "plan_list",
    "plan_projection",
    "replication_compare",
    "replication_list",
    "replication_verdict",
    "sandbox_get",
    "sandbox_titles",
    "sandbox_list",
    "sandbox_public_get",
    "sandbox_public_list",
]
