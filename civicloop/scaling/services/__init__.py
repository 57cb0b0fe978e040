"""Every write of the scaling app. Atomic, keyword-only, audited, and each checks the actor's
right through `core.permissions` itself.

One module per sub-domain (the same names as in `selectors`, `api` and `views`); the public
names are re-exported here so that `from civicloop.scaling import services` keeps working.
"""

from civicloop.scaling.services.assessments import assessment_create, assessment_score
from civicloop.scaling.services.lessons import lesson_record
from civicloop.scaling.services.obstacles import (
    obstacle_create,
    obstacle_export,
    obstacle_owner_labels_erase,
    obstacle_update,
)
from civicloop.scaling.services.plans import replication_candidate_add, replication_plan_create
from civicloop.scaling.services.replications import replication_record, replications_remeasure
from civicloop.scaling.services.sandboxes import (
    ELIGIBILITY_CRITERIA,
    MAX_EXTENSION_DAYS,
    MAX_SANDBOX_DAYS,
    sandbox_apply,
    sandbox_decide_eligibility,
    sandbox_exit,
    sandbox_extend,
    sandbox_learning_add,
    sandbox_report_add,
    sandbox_start,
)

__all__ = [
    "ELIGIBILITY_CRITERIA",
    "MAX_EXTENSION_DAYS",
    "MAX_SANDBOX_DAYS",
    "assessment_create",
    "assessment_score",
    "lesson_record",
    "obstacle_create",
    "obstacle_export",
    "obstacle_owner_labels_erase",
    "obstacle_update",
    "replication_candidate_add",
    "replication_plan_create",
    "replication_record",
    "replications_remeasure",
    "sandbox_apply",
    "sandbox_decide_eligibility",
    "sandbox_exit",
    "sandbox_extend",
    "sandbox_learning_add",
    "sandbox_report_add",
    "sandbox_start",
]
