"""Background work: result refreshes (django-tasks; `civicloop worker` runs them)."""

from __future__ import annotations

import logging

from django_tasks import task

from civicloop.experiments import services
from civicloop.experiments.models import Experiment, ExperimentStatus

logger = logging.getLogger(__name__)


@task()
def experiment_refresh_task(experiment_id: int) -> int:
    """Flush new events and store a fresh result snapshot; returns the snapshot id."""
    experiment = Experiment.objects.get(pk=experiment_id)
    return services.experiment_refresh(experiment=experiment).pk


@task()
def running_experiments_refresh_task() -> int:
    """Refresh every running experiment (schedule it, e.g. hourly, next to the worker).

    One experiment's failure (any unit's) is logged and never stops the others' refresh."""
    count = 0
    for experiment in Experiment.objects.filter(status=ExperimentStatus.RUNNING):
        try:
            services.experiment_refresh(experiment=experiment)
        except Exception:  # a task boundary: log it, carry on with the other experiments
            logger.exception("refresh of experiment %s failed", experiment.pk)
            continue
        count += 1
    return count
