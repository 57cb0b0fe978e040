"""The writer lock of one event store: one process at a time opens its DuckDB file.

DuckDB refuses a second process that opens a database file another process has open ("Could
not set lock on file"), so two workers flushing or refreshing the same organisation's store
failed. Every process that opens the DuckDB file first takes an exclusive ``flock`` on
``<store>/writer.lock`` and keeps it until it closes the file; a second process waits for it
(up to a timeout) instead of failing. The lock is re-entrant within a process (DuckDB lets one
process open a file many times) and released by the kernel if the process dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

LOCK_FILE = "writer.lock"
# How long a writer waits for another process to finish with the store.
DEFAULT_TIMEOUT_SECONDS = 600.0


class StoreBusy(Exception):  # noqa: N818 - it says what the store is
    """Another process held the store's writer lock for longer than the timeout."""


_held: dict[str, tuple[int, int]] = {}  # lock path -> (file descriptor, holders here)
_guard = threading.Lock()


def acquire(store: Path, *, timeout: float | None = DEFAULT_TIMEOUT_SECONDS) -> None:
    """Take the store's writer lock, waiting up to ``timeout`` seconds (None: for ever;
    0: not at all). Raises ``StoreBusy``."""
    path = str((store / LOCK_FILE).resolve())
    with _guard:
        if path in _held:
            fd, count = _held[path]
            _held[path] = (fd, count + 1)
            return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if deadline is not None and time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise StoreBusy(
                    f"the event store {store.name} is being written by another process"
                    f"{f' (pid {holder})' if holder else ''}; tried for {timeout:g} s"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    with _guard:
        if path in _held:  # another thread of this process took it meanwhile: share theirs
            other, count = _held[path]
            _held[path] = (other, count + 1)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        else:
            _held[path] = (fd, 1)


def release(store: Path) -> None:
    path = str((store / LOCK_FILE).resolve())
    with _guard:
        if path not in _held:
            return
        fd, count = _held[path]
        if count > 1:
            _held[path] = (fd, count - 1)
            return
        del _held[path]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def held(store: Path) -> bool:
    """Whether this process holds the store's writer lock."""
    with _guard:
        return str((store / LOCK_FILE).resolve()) in _held


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
