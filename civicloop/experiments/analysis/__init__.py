"""Turn an experiment's data into the JSON payload of a result snapshot, via civicloop.stats.

Randomised designs (`randomised`) ask `analytics.engine` for per-variant sufficient statistics
and never see the store's connection; pilots, before/after and synthetic control (`sites`) read
the experiment's site observations. No Django writes here: ``services.experiment_refresh``
stores what this returns.
"""

from civicloop.experiments.analysis.common import Outcome
from civicloop.experiments.analysis.randomised import (
    MetricSpec,
    analyse_randomised,
    covariate_varies,
    cumulative_series,
    experiment_config,
    sufficient,
)
from civicloop.experiments.analysis.sites import SiteRow, analyse_sites

__all__ = [
    "MetricSpec",
    "Outcome",
    "SiteRow",
    "analyse_randomised",
    "analyse_sites",
    "covariate_varies",
    "cumulative_series",
    "experiment_config",
    "sufficient",
]
