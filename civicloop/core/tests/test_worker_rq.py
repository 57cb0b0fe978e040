"""CIVICLOOP_TASKS_BACKEND=rq: tasks go through Redis and `civicloop worker` runs them with RQ."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(REDIS) == 0


PROBE_TASKS = """
from pathlib import Path

from django_tasks import task


@task()
def write_file(path: str) -> str:
    Path(path).write_text("ran")
    return "done"
"""

SCRIPT = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
import django
django.setup()
from rq_probe_tasks import write_file
if sys.argv[1] == "enqueue":
    from django_tasks import task_backends
    assert type(task_backends["default"]).__name__ == "RQBackend"
    print(write_file.enqueue(sys.argv[2]).id)
else:
    result = write_file.get_result(sys.argv[2])
    print(result.status, result.return_value)
"""


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_a_task_is_enqueued_in_redis_and_run_by_the_rq_worker(tmp_path):
    (tmp_path / "rq_probe_tasks.py").write_text(PROBE_TASKS)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", ".")]),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "CIVICLOOP_VAR_DIR": str(tmp_path / "var"),
        "CIVICLOOP_TASKS_BACKEND": "rq",
        # A database of its own on the local Redis, so no other run's jobs are in the queue.
        "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/13",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    marker = tmp_path / f"ran-{uuid.uuid4().hex}"

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    task_id = run("-c", SCRIPT, "enqueue", str(marker)).strip().splitlines()[-1]
    assert not marker.exists()  # queued in Redis, not run on the spot
    log = run("-m", "civicloop.cli", "worker", "--batch", "--no-schedule")
    assert marker.read_text() == "ran"
    assert run("-c", SCRIPT, "status", task_id).split() == ["SUCCESSFUL", "done"], log
