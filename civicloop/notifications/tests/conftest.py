from __future__ import annotations

import pytest


@pytest.fixture
def dispatched(django_capture_on_commit_callbacks):
    """Run what the audited actions queue after commit (the hook) inside the test."""

    def run(fn, /, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
