"""The `civicloop` command: runs the server and worker, and the analysts' tools.

`civicloop analyze …` and `civicloop feedback redact|themes …` work on files without a database;
everything else is a Django management command (anything unknown is passed to manage.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

USAGE = """usage: civicloop COMMAND [ARGS]

Server:
  serve [--port N] [--host H] [--no-worker] [--dev]
                                serve CivicLoop (default http://127.0.0.1:8000) with a worker;
                                DEBUG is off (no tracebacks) unless --dev is given
  worker                        run background tasks and enqueue the scheduled ones
  migrate                       create or update the database schema
  demo                          load demo data into an empty database
  createsuperuser               create an administrator
  check [--deploy]              check the configuration

Data:
  apikey create [--org SLUG] --scope read|write   print a new API key on the last line
  import-measurements FILE.csv  import KPI measurements (all rows or none)
  import-events FILE --org SLUG import a unit's service events (CSV, JSON lines, Parquet)
  events status|adopt-legacy    per-organisation event stores; adopt a pre-organisation store
  export ocds FILE              write the OCDS 1.1.5 release package
  export events DIR [--org SLUG] [--since DATE]   units' events as Hive-partitioned Parquet
  audit verify                  check the audit log's hash chain
  keys generate                 print a new sealing key (no settings or database needed)
  keys list                     sealing key ids, roles and what each sealed
  keys rotate                   re-seal every proposal and attachment with the primary key

Analysis (no database needed):
  analyze ab|did|staggered|its|power …   see `civicloop analyze --help`
  feedback redact|themes FILE.csv …      see `civicloop feedback --help`

  --version                     print CivicLoop's version

Anything else is passed to Django's manage.py.
"""

# Commands that need no Django settings or database.
FILE_TOOLS = {
    "analyze": "civicloop.cli.analyze",
    "feedback": "civicloop.cli.feedback_text",
}


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicloop", *argv])
    return 0


def serve_environment(environ: Mapping[str, str], *, dev: bool) -> dict[str, str]:
    """The environment `civicloop serve` runs the server and its worker with.

    DEBUG is off (error pages never show a traceback) unless ``--dev`` is given, whatever the
    environment says; the settings module stays the operator's choice (dev settings by default,
    which keep the embedded SQLite database and the generated development key).
    """
    env = dict(environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env["DEBUG"] = "1" if dev else "0"
    return env


class WorkerSupervisor:
    """Runs `civicloop worker` beside the server and restarts it whenever it exits.

    A worker that dies (a crash, an out-of-memory kill) is reaped at once, so it never stays
    defunct, and started again after a back-off that doubles from one second to a minute (it
    resets once a worker has run for a minute), each restart logged loudly on stderr.
    """

    FIRST_DELAY = 1.0
    MAX_DELAY = 60.0
    STABLE_SECONDS = 60.0

    def __init__(self, command: list[str], env: dict[str, str]):
        self.command = command
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="civicloop-worker", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if not self._stop.is_set():
                self.process = subprocess.Popen(self.command, env=self.env)  # noqa: S603

    def _watch(self) -> None:
        delay = self.FIRST_DELAY
        while not self._stop.is_set():
            process = self.process
            if process is None:
                return
            started = time.monotonic()
            code = process.wait()  # reaps it: a dead worker never stays <defunct>
            if self._stop.is_set():
                return
            if time.monotonic() - started >= self.STABLE_SECONDS:
                delay = self.FIRST_DELAY
            print(
                f"civicloop serve: the worker exited with code {code}; "
                f"restarting it in {delay:g} s",
                file=sys.stderr,
                flush=True,
            )
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self.MAX_DELAY)
            self.restarts += 1
            self._spawn()

    def stop(self, timeout: float = 10) -> None:
        with self._lock:
            self._stop.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(timeout=timeout)


def _serve(host: str, port: str, *, with_worker: bool, dev: bool) -> int:
    """Serve the web app; unless told not to, run a supervised background worker beside it."""
    env = serve_environment(os.environ, dev=dev)
    os.environ.update(env)
    supervisor = None
    if with_worker:
        supervisor = WorkerSupervisor([sys.executable, "-m", "civicloop.cli", "worker"], env)
        supervisor.start()
    try:
        return _django(["webserver", f"{host}:{port}", "--noreload"])
    finally:
        if supervisor is not None:
            supervisor.stop()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if args[0] in {"--version", "version"}:
        from importlib.metadata import version

        print(f"civicloop {version('civicloop')}")
        return 0
    command, rest = args[0], args[1:]
    if command == "export" and rest[:1] == ["events"]:  # `export ocds` is market's command
        command, rest = "export_events", rest[1:]
    if command in FILE_TOOLS and not (
        command == "feedback" and rest[:1] and rest[0] not in {"redact", "themes", "-h", "--help"}
    ):
        import importlib

        module = importlib.import_module(FILE_TOOLS[command])
        return int(module.main(rest) or 0)
    if command == "keys" and rest == ["generate"]:
        # Works before any setting exists (production settings refuse to start without a key).
        from civicloop.market.sealing import generate_key, key_id

        key = generate_key()
        print(
            f"New sealing key {key_id(key)}: put it first in CIVICLOOP_SEALING_KEYS.",
            file=sys.stderr,
        )
        print(key)
        return 0
    if command == "serve":
        port, host, with_worker, dev = "8000", "127.0.0.1", True, False
        i = 0
        while i < len(rest):
            if rest[i] in {"--no-worker", "--dev"}:
                with_worker = with_worker and rest[i] != "--no-worker"
                dev = dev or rest[i] == "--dev"
                i += 1
                continue
            if rest[i] == "--port" and i + 1 < len(rest):
                port = rest[i + 1]
                i += 2
            elif rest[i] == "--host" and i + 1 < len(rest):
                host = rest[i + 1]
                i += 2
            else:
                print(f"civicloop serve: unknown option '{rest[i]}'", file=sys.stderr)
                return 2
        return _serve(host, port, with_worker=with_worker, dev=dev)
    if command == "import-measurements":
        return _django(["import_measurements", *rest])
    if command == "import-events":
        return _django(["import_events", *rest])
    return _django([command, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
