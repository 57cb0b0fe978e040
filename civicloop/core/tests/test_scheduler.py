import threading

from civicloop.core import scheduler


class _Task:
    def __init__(self):
        self.calls = 0

    def enqueue(self):
        self.calls += 1


def test_schedule_enqueues_due_tasks_until_stopped(monkeypatch):
    task = _Task()
    monkeypatch.setattr(scheduler, "import_string", lambda path: task)
    stop = threading.Event()
    clock = iter(range(0, 10_000, 40))  # each loop advances 40 "seconds"
    monkeypatch.setattr(scheduler.time, "monotonic", lambda: next(clock))

    def wait(_seconds):
        if task.calls >= 3:
            stop.set()

    monkeypatch.setattr(stop, "wait", wait)
    scheduler.run_schedule(stop, [(60, "x.y")])
    assert task.calls == 3


def test_scheduled_task_paths_exist():
    from django.conf import settings
    from django.utils.module_loading import import_string

    for _seconds, path in settings.CIVICLOOP_SCHEDULE:
        assert hasattr(import_string(path), "enqueue"), path
