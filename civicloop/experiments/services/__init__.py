"""Every write of the experiments app: one atomic, audited function per use case.

One module per sub-domain (the same names as `selectors/`, `api/` and `views/`); this package
re-exports the public names so `from civicloop.experiments import services` keeps working.
"""

from civicloop.experiments.selectors.results import snapshot_headline
from civicloop.experiments.services.decisions import DECISION_STAGE, decision_record
from civicloop.experiments.services.experiments import (
    EXPERIMENT_FIELDS,
    LOCKED_FIELDS,
    experiment_assignment_config,
    experiment_create,
    experiment_plan,
    experiment_start,
    experiment_stop,
    experiment_update,
)
from civicloop.experiments.services.iterations import (
    HYPOTHESIS_FIELDS,
    ITERATION_FIELDS,
    iteration_create,
    iteration_update,
)
from civicloop.experiments.services.power import power_proposal
from civicloop.experiments.services.results import (
    experiment_refresh,
    experiment_refresh_enqueue,
)
from civicloop.experiments.services.services import SERVICE_FIELDS, service_create, service_share
from civicloop.experiments.services.sites import (
    site_observations_import_csv,
    site_observations_record,
)
from civicloop.experiments.services.stores import (
    LegacyStoreReport,
    event_store_adopt_legacy,
    event_store_legacy_report,
)
from civicloop.experiments.site_csv import (
    SITE_CSV_COLUMNS,
    SITE_CSV_MAX_BYTES,
    SITE_CSV_MAX_ROWS,
    SITE_MAX_LENGTH,
    site_observations_parse_csv,
)

__all__ = [
    "DECISION_STAGE",
    "EXPERIMENT_FIELDS",
    "HYPOTHESIS_FIELDS",
    "ITERATION_FIELDS",
    "LOCKED_FIELDS",
    "SERVICE_FIELDS",
    "SITE_CSV_COLUMNS",
    "SITE_CSV_MAX_BYTES",
    "SITE_CSV_MAX_ROWS",
    "SITE_MAX_LENGTH",
    "LegacyStoreReport",
    "decision_record",
    "event_store_adopt_legacy",
    "event_store_legacy_report",
    "experiment_assignment_config",
    "experiment_create",
    "experiment_plan",
    "experiment_refresh",
    "experiment_refresh_enqueue",
    "experiment_start",
    "experiment_stop",
    "experiment_update",
    "iteration_create",
    "iteration_update",
    "power_proposal",
    "service_create",
    "service_share",
    "site_observations_import_csv",
    "site_observations_parse_csv",
    "site_observations_record",
    "snapshot_headline",
]
