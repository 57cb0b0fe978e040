"""Every public service asks the permission gate itself (docs/architecture.md, "The gate").

A service is called by pages, the API, tasks and other apps; checking in the view above it is
not enough (the review found 22 services of evidence and scaling that trusted their callers).
This walks every public function of every app's services and fails when one that acts for
someone (`actor`) does not call `require` or `acting_unit` in its own body.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from types import ModuleType

import pytest

from civicloop.core import permissions

# `require` and `acting_unit`, and the gates of core/permissions.py for what no unit ability
# covers: a person's own account (`require_person`) and the people of an organisation
# (`require_manages`, `require_manages_person`: MANAGE_PEOPLE in its unit, operators anywhere).
GATE = {"require", "acting_unit", "require_person", "require_manages", "require_manages_person"}
# Services that ask the gate through a helper the walk cannot see; each names why and who owns it.
ALLOWED = {
    # TODO(opsrun): calls `_require_unit` (a one-line wrapper of `require(actor, SEND_EVENTS,
    # unit)`), skipped for anonymous/None actors; opsrun owns the import path and will inline it.
    "civicloop.analytics.services.events_import",
}
APPS = [
    "core",
    "portfolio",
    "market",
    "analytics",
    "experiments",
    "feedback",
    "evidence",
    "scaling",
    "privacy",
    "people",
    "participation",
]


def _service_modules() -> list[ModuleType]:
    modules = []
    for app in APPS:
        try:
            package = importlib.import_module(f"civicloop.{app}.services")
        except ModuleNotFoundError:
            continue
        modules.append(package)
        if hasattr(package, "__path__"):
            for info in pkgutil.iter_modules(package.__path__):
                modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


def _public_services():
    for module in _service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            yield f"{module.__name__}.{name}", function


def _calls(function) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = node.func
            names.add(
                target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            )
    return names


def test_the_gates_the_walk_accepts_are_the_permission_module_s():
    assert all(callable(getattr(permissions, name, None)) for name in GATE)


def test_the_walk_finds_the_services():
    found = dict(_public_services())
    assert len(found) > 100
    assert "civicloop.portfolio.services.problem_update" in {
        name.replace(".services.problems.", ".services.") for name in found
    } | set(found)


@pytest.mark.parametrize(
    ("name", "function"), list(_public_services()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_service_that_acts_for_someone_asks_the_gate(name, function):
    parameters = inspect.signature(function).parameters
    assert not {"principal", "viewer"} & set(parameters), "a service's actor is named `actor`"
    if "actor" not in parameters:
        return  # system work (tasks, loaders): it acts for no one and is not reachable by a request
    if name in ALLOWED:
        return
    assert _calls(function) & GATE, f"{name} must call require(actor, …) or acting_unit(actor, …)"
