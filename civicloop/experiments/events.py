"""Typed names of the experiments app's audit events."""

from enum import StrEnum


class ExperimentsEvent(StrEnum):
    SERVICE_CREATED = "experiments.service_created"
    SERVICE_SHARED = "experiments.service_shared"
    ITERATION_CREATED = "experiments.iteration_created"
    ITERATION_UPDATED = "experiments.iteration_updated"
    EXPERIMENT_CREATED = "experiments.experiment_created"
    EXPERIMENT_UPDATED = "experiments.experiment_updated"
    EXPERIMENT_STARTED = "experiments.experiment_started"
    EXPERIMENT_STOPPED = "experiments.experiment_stopped"
    PLAN_DEVIATION = "experiments.plan_deviation"
    SITE_OBSERVATIONS_RECORDED = "experiments.site_observations_recorded"
    DECISION_RECORDED = "experiments.decision_recorded"
