"""Experiments API: services, iterations, experiments, sites, results, power, assignment and
decisions, one module per sub-domain (the same names as `services/`, `selectors/`, `views/`),
all on one router."""

from civicloop.experiments.api import (
    assignment,
    decisions,
    experiments,
    iterations,
    power,
    results,
    services,
    sites,
)
from civicloop.experiments.api._router import router
from civicloop.experiments.api.experiments import ExperimentIn, ExperimentOut, ExperimentPatch
from civicloop.experiments.api.iterations import IterationIn, IterationOut, IterationPatch

__all__ = [
    "ExperimentIn",
    "ExperimentOut",
    "ExperimentPatch",
    "IterationIn",
    "IterationOut",
    "IterationPatch",
    "assignment",
    "decisions",
    "experiments",
    "iterations",
    "power",
    "results",
    "services",
    "sites",
    "router",
]
