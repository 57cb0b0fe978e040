from __future__ import annotations

import pytest


@pytest.fixture
def dispatched(django_capture_on_commit_callbacks):
    """Run what the audited actions queue after commit (the hook) inside the test."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
