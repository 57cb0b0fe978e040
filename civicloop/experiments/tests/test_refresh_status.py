"""After "Refresh results" the results page shows where the background refresh is (queued,
running, finished, failed) from the task result django-tasks-db stores, polls it with htmx while
it runs, and still tells the status, with a reload link, without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicloop.experiments import services
from civicloop.experiments.models import Experiment
from civicloop.experiments.tests import factories as f

pytestmark = pytest.mark.django_db

POLL = 'hx-trigger="every 3s"'


@pytest.fixture
def database_tasks(settings):
    """The production backend: refreshes wait in the database for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def experiment(world):
    staff = world.principal("staff")
    it = f.iteration(staff, f.service(staff, world.unit, world.agency))
    exp = f.ab_experiment(staff, it, [(f.metric(staff, world.unit, "renewed"), "primary", None)])
    services.experiment_start(actor=staff, experiment=exp)
    return exp


def _press_refresh(world, experiment, django_capture_on_commit_callbacks) -> DBTaskResult:
    client = world.client("staff")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/experiments/{experiment.pk}/refresh/")
    assert r.status_code == 302
    experiment.refresh_from_db()
    return DBTaskResult.objects.get(pk=experiment.refresh_task_id)


def _status(client, experiment, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(f"/experiments/{experiment.pk}/refresh-status/", headers=headers)


def test_a_queued_refresh_is_shown_and_polled_and_the_page_works_without_javascript(
    world, experiment, database_tasks, django_capture_on_commit_callbacks
):
    task = _press_refresh(world, experiment, django_capture_on_commit_callbacks)
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [experiment.pk]
    client = world.client("staff")
    page = client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert "Refresh queued" in page
    assert 'role="status"' in page
    # without JavaScript: a plain link reloads the page
    assert f'<a class="govuk-link" href="/experiments/{experiment.pk}/">' in page
    assert POLL in page
    fragment = _status(client, experiment, htmx=True)
    assert fragment.status_code == 200
    assert "Refresh queued" in fragment.content.decode()
    assert POLL in fragment.content.decode()
    assert "HX-Trigger" not in fragment  # still waiting: the results stay as they are


def test_a_running_refresh_keeps_polling(
    world, experiment, database_tasks, django_capture_on_commit_callbacks
):
    task = _press_refresh(world, experiment, django_capture_on_commit_callbacks)
    DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING", started_at=timezone.now())
    fragment = _status(world.client("official"), experiment, htmx=True)
    html = fragment.content.decode()
    assert "Refresh running" in html
    assert POLL in html
    assert "HX-Trigger" not in fragment


def test_a_finished_refresh_stops_polling_and_reloads_the_results(
    world, experiment, database_tasks, django_capture_on_commit_callbacks, run_task_worker
):
    _press_refresh(world, experiment, django_capture_on_commit_callbacks)
    assert experiment.snapshots.count() == 0
    run_task_worker()
    assert experiment.snapshots.count() == 1  # the worker ran the refresh
    client = world.client("staff")
    fragment = _status(client, experiment, htmx=True)
    html = fragment.content.decode()
    assert "Refresh finished" in html
    assert POLL not in html
    assert fragment["HX-Trigger"] == "experiment-refreshed"
    page = client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert "Refresh finished" in page
    assert POLL not in page
    # the results region reloads itself (from the page) when the poll sees the end
    region = re.search(r'<div id="experiment-results"[^>]*>', page)
    assert region is not None
    assert 'hx-trigger="experiment-refreshed from:body"' in region.group(0)
    assert 'hx-select="#experiment-results"' in region.group(0)


def test_a_failed_refresh_says_so_and_stops_polling(
    world, experiment, database_tasks, django_capture_on_commit_callbacks
):
    task = _press_refresh(world, experiment, django_capture_on_commit_callbacks)
    finished = timezone.now() - timedelta(minutes=1)
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="FAILED", started_at=finished, finished_at=finished
    )
    fragment = _status(world.client("staff"), experiment, htmx=True)
    html = fragment.content.decode()
    assert "Refresh failed" in html
    assert "from the previous refresh" in html
    assert POLL not in html
    assert fragment["HX-Trigger"] == "experiment-refreshed"


def test_without_a_stored_task_result_there_is_no_status(world, experiment):
    """The immediate backend (tests) keeps no results; an experiment never refreshed has none."""
    client = world.client("staff")
    page = client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert 'id="refresh-status"' not in page
    Experiment.objects.filter(pk=experiment.pk).update(refresh_task_id="gone")
    page = client.get(f"/experiments/{experiment.pk}/").content.decode()
    assert 'id="refresh-status"' not in page
    assert "Refresh" not in _status(client, experiment).content.decode()


def test_the_results_page_has_no_inline_script(
    world, experiment, database_tasks, django_capture_on_commit_callbacks
):
    """The strict CSP (script-src 'self') holds: htmx attributes only, no inline JavaScript."""
    _press_refresh(world, experiment, django_capture_on_commit_callbacks)
    r = world.client("staff").get(f"/experiments/{experiment.pk}/")
    assert "script-src 'self'" in r["Content-Security-Policy"]
    for tag in re.findall(r"<script[^>]*>", r.content.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+=", r.content.decode())
