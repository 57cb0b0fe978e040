"""The `civicloop` command: runs the server and worker, and the analysts' tools.

`civicloop analyze …` and `civicloop feedback redact|themes …` work on files without a database;
everything else is a Django management command (anything unknown is passed to manage.py).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import config

USAGE = """usage: civicloop COMMAND [ARGS]        (`civicloop COMMAND --help` for its options)

Server:
  serve [--port N] [--host H] [--workers N] [--no-worker] [--dev]
                                serve CivicLoop with gunicorn (default http://127.0.0.1:8000,
                                2 web processes) and a supervised task worker; SIGTERM or
                                Ctrl+C stops both; --dev: Django's autoreloading server with
                                DEBUG on (DEBUG is off otherwise)
  worker [--no-schedule]        run background tasks (and enqueue the scheduled ones)
  scheduler                     enqueue the scheduled tasks only (each once per period,
                                however many schedulers and workers run)
  migrate                       create or update the database schema
  collectstatic                 write the static files with hashed names (long cache lifetimes)
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
  field-keys generate           print a new field encryption key (webhook secrets)
  field-keys rotate             re-encrypt every webhook secret with the first field key
  backup DIR                    back up the database, event stores, uploads and sealing key ids
                                (stop the worker first)
  restore DIR [--force]         restore a backup into an empty installation
  compact_events                compact the event stores; apply CIVICLOOP_EVENT_RETENTION_DAYS

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


# Names typed on the command line for Django commands whose module has another name.
ALIASES = {
    "field-keys": "field_keys",
    "import-events": "import_events",
    "import-measurements": "import_measurements",
}
# Django's options that every management command has; `civicloop X --help` leaves them out
# (they still work: the Makefile passes -v0).
GENERIC_OPTIONS = {
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}
# Seconds `serve` waits for its children to stop after SIGTERM before it kills them.
STOP_SECONDS = 30.0


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicloop", *argv])
    return 0


def command_help(command: str) -> str | None:
    """The help of the Django command behind `civicloop COMMAND`, CivicLoop's options only.

    None when there is no such command (Django then says so itself).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import argparse

    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    name = ALIASES.get(command, command)
    app = get_commands().get(name)
    if app is None:
        return None
    instance = load_command_class(app, name)
    parser = instance.create_parser("civicloop", command)
    for action in parser._actions:
        if action.dest in GENERIC_OPTIONS:
            action.help = argparse.SUPPRESS
    return parser.format_help()


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


def _prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: SIGTERM to serve still stops everything
        return None


_PRCTL = _prctl()
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child: receive SIGTERM if `serve` itself dies (even by SIGKILL): no orphan."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_child(command: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start a child of `serve` in a process group of its own.

    `serve` stops each child by its group, so the grandchildren (gunicorn's web processes,
    the development server's reloaded process) stop with it.
    """
    return subprocess.Popen(  # noqa: S603
        command, env=dict(env), start_new_session=True, preexec_fn=_die_with_parent
    )


def stop_child(process: subprocess.Popen[bytes], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM the child's process group, wait, then SIGKILL what is left; reap the child."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                return
            time.sleep(0.05)
    process.poll()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
                self.process = start_child(self.command, self.env)

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

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        with self._lock:
            self._stop.set()
            process = self.process
        if process is not None:
            stop_child(process, timeout)
        self._thread.join(timeout=timeout)


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civicloop serve",
        description=(
            "Serve CivicLoop with gunicorn (docs/adr/0013-production-server.md) and a "
            "supervised background worker. SIGTERM or Ctrl+C stops the web processes and the "
            "worker (each finishes what it is doing, for at most 30 s) and then exits."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        metavar="N",
        help="web worker processes (default: $WEB_CONCURRENCY or 2); ignored with --dev",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run a background worker (run `civicloop worker` yourself)",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="Django's autoreloading development server with DEBUG on (tracebacks shown)",
    )
    return parser


def _static_outdated() -> bool:
    """Whether `collectstatic` must run: no manifest yet, or a static file newer than it."""
    import django
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    django.setup()
    manifest = os.path.join(settings.STATIC_ROOT, "staticfiles.json")
    if not os.path.exists(manifest):
        return True
    built = os.path.getmtime(manifest)
    for finder in get_finders():
        for path, storage in finder.list([]):
            if os.path.getmtime(storage.path(path)) > built:
                return True
    return False


def _serve(options: argparse.Namespace) -> int:
    """Serve the web app; unless told not to, run a supervised background worker beside it."""
    env = serve_environment(os.environ, dev=options.dev)
    os.environ.update(env)
    python = sys.executable
    address = f"{options.host}:{options.port}"
    if options.dev:
        web_command = [python, "-m", "civicloop.cli", "webserver", address]
    else:
        if _static_outdated():
            print("civicloop serve: collecting static files …", file=sys.stderr, flush=True)
            subprocess.run(  # noqa: S603
                [python, "-m", "civicloop.cli", "collectstatic", "--noinput", "-v0"],
                env=env,
                check=True,
            )
        web_command = [
            python,
            "-m",
            "gunicorn",
            "--config",
            str(Path(config.__file__).parent / "gunicorn.conf.py"),
            "--bind",
            address,
            "--workers",
            str(max(1, options.workers)),
        ]
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    supervisor = None
    web = start_child(web_command, env)
    try:
        if not options.no_worker:
            supervisor = WorkerSupervisor([python, "-m", "civicloop.cli", "worker"], env)
            supervisor.start()
        while not stopping.is_set():
            code = web.poll()
            if code is not None:
                print(f"civicloop serve: the web server exited with code {code}", file=sys.stderr)
                return code or 1
            stopping.wait(0.2)
        return 0
    finally:
        # Both stop at once: the web server finishes its requests, the worker its task.
        stoppers = [threading.Thread(target=stop_child, args=(web,))]
        if supervisor is not None:
            stoppers.append(threading.Thread(target=supervisor.stop))
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    if command == "field-keys" and rest == ["generate"]:
        from civicloop.core.field_crypto import generate_key as field_key
        from civicloop.core.field_crypto import key_id as field_key_id

        key = field_key()
        print(
            f"New field key {field_key_id(key)}: put it first in CIVICLOOP_FIELD_KEYS.",
            file=sys.stderr,
        )
        print(key)
        return 0
    if command == "serve":
        try:
            options = serve_parser().parse_args(rest)
        except SystemExit as exit_:  # --help, or a bad option (argparse said why)
            return int(exit_.code or 0)
        return _serve(options)
    if "-h" in rest or "--help" in rest:
        text = command_help(command)
        if text is not None:
            print(text, end="")
            return 0
    return _django([ALIASES.get(command, command), *rest])


if __name__ == "__main__":
    raise SystemExit(main())
