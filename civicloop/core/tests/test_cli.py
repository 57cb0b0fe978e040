import io
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from civicloop.cli.main import main
from civicloop.core.models import ApiKey
from civicloop.core.services import apikey_authenticate


def test_apikey_create_prints_the_key_alone_on_the_last_line(world, capsys):
    out = io.StringIO()
    call_command(
        "apikey",
        "create",
        "--org",
        world.unit.slug,
        "--scope",
        "write",
        stdout=out,
        stderr=io.StringIO(),
    )
    last_line = out.getvalue().strip().splitlines()[-1]
    key = apikey_authenticate(last_line)
    assert key is not None and key.scope == "write" and key.organization == world.unit


def test_apikey_create_without_org_needs_a_single_unit(world):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--org"):
        call_command(
            "apikey", "create", "--scope", "read", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert ApiKey.objects.count() == 0


def test_import_measurements_command_rejects_all_on_a_bad_row(world, tmp_path):
    import pytest
    from django.core.management.base import CommandError

    from civicloop.portfolio.tests.factories import KpiFactory, ProblemFactory

    kpi = KpiFactory.create(
        problem=ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    )
    path = tmp_path / "m.csv"
    path.write_text(f"kpi_id,date,value\n{kpi.pk},2026-01-01,3\n{kpi.pk},2026-01-02,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 rows rejected"):
        call_command("import_measurements", str(path), "--org", world.unit.slug, stderr=err)
    assert "Line 3, column value: " in err.getvalue()
    assert kpi.measurements.count() == 0
    path.write_text(f"kpi_id,date,value\n{kpi.pk},2026-01-01,3\n")
    out = io.StringIO()
    call_command("import_measurements", str(path), "--org", world.unit.slug, stdout=out)
    assert "Imported 1 measurements" in out.getvalue()


def test_cli_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in (
        "serve",
        "worker",
        "demo",
        "apikey create",
        "import-measurements",
        "audit verify",
        "keys generate",
        "keys rotate",
        "analyze",
    ):
        assert command in text


@pytest.mark.slow  # starts the console script in subprocesses (about 8 s)
def test_console_script_runs_django_commands():
    result = subprocess.run(
        [sys.executable, "-m", "civicloop.cli", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_pass_the_deploy_check():
    import os

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-looking-secret-key-value-123456",
        "ALLOWED_HOSTS": "civicloop.example.gov",
        # production refuses to start without its sealing keys (docs/operations.md)
        "CIVICLOOP_SEALING_KEYS": Fernet.generate_key().decode(),
        "CIVICLOOP_FIELD_KEYS": Fernet.generate_key().decode(),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "-m", "civicloop.cli", "check", "--deploy"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_version_is_civicloops_not_djangos(capsys):
    from importlib.metadata import version

    import django

    assert main(["--version"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == f"civicloop {version('civicloop')}"
    assert django.get_version() not in printed


GENERIC_DJANGO_OPTIONS = (
    "--pythonpath",
    "--traceback",
    "--settings",
    "--no-color",
    "--force-color",
    "--skip-checks",
    "--verbosity",
    "--version",
)


@pytest.mark.parametrize(
    ("command", "own_option"),
    [
        ("serve", "--workers"),
        ("worker", "--no-schedule"),
        ("scheduler", "--interval"),
        ("migrate", "--plan"),
        ("collectstatic", "--noinput"),
        ("demo", "--force"),
        ("createsuperuser", "--email"),
        ("check", "--deploy"),
        ("apikey", "--scope"),
        ("import-measurements", "--org"),
        ("import-events", "--org"),
        ("events", "status"),
        ("export", "ocds"),
        ("audit", "verify"),
        ("keys", "rotate"),
        ("analyze", "power"),
        ("feedback", "redact"),
    ],
)
def test_every_subcommand_has_help_with_civicloops_options_only(capsys, command, own_option):
    code: int | str | None
    try:
        code = main([command, "--help"])
    except SystemExit as exit_:  # the analysts' tools are plain argparse programs
        code = exit_.code or 0
    assert code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: civicloop {command}"), text[:200]
    assert own_option in text
    for generic in GENERIC_DJANGO_OPTIONS:
        assert generic not in text, (command, generic)
