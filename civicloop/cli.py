"""The `civicloop` command: runs the server and worker, and the analysts' tools.

`civicloop analyze …` and `civicloop feedback redact|themes …` work on files without a database;
everything else is a Django management command (anything unknown is passed to manage.py).
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: civicloop COMMAND [ARGS]

Server:
  serve [--port N] [--host H] [--no-worker]
                                serve CivicLoop (default http://127.0.0.1:8000) with a worker
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
  audit verify                  check the audit log's hash chain
  keys generate                 print a new sealing key (no settings or database needed)
  keys list                     sealing key ids, roles and what each sealed
  keys rotate                   re-seal every proposal and attachment with the primary key

Analysis (no database needed):
  analyze ab|did|staggered|its|power …   see `civicloop analyze --help`
  feedback redact|themes FILE.csv …      see `civicloop feedback --help`

Anything else is passed to Django's manage.py.
"""

# Commands that need no Django settings or database.
FILE_TOOLS = {
    "analyze": "civicloop.analyze",
    "feedback": "civicloop.text_cli",
}


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicloop", *argv])
    return 0


def _serve(host: str, port: str, *, with_worker: bool) -> int:
    """Serve the web app; unless told not to, run a background worker beside it."""
    import subprocess

    worker = None
    if with_worker:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "civicloop.cli", "worker"], env=os.environ.copy()
        )
    try:
        return _django(["runserver", f"{host}:{port}", "--noreload"])
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
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
        port, host, with_worker = "8000", "127.0.0.1", True
        i = 0
        while i < len(rest):
            if rest[i] == "--no-worker":
                with_worker = False
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
        return _serve(host, port, with_worker=with_worker)
    if command == "import-measurements":
        return _django(["import_measurements", *rest])
    if command == "import-events":
        return _django(["import_events", *rest])
    return _django([command, *rest])


if __name__ == "__main__":
    raise SystemExit(main())
