"""No template imports a name that a view passes in its context.

A Jinja `{% from "x.html" import chart %}` at the top of a template binds `chart` for the
whole template, so a context variable of the same name is never seen: the replication plan's
chart spec once rendered as the string "<Macro 'chart'>", which the browser then requested as
a URL, and the chart stayed blank on every plan page. This test reads every template of every
app with Jinja's own parser (imports, includes and the template it extends, transitively) and
every `render(request, "<template>", {...})` in the code (the dict literal, or a dict literal
bound to a name in the same function), and fails on any name that is both.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]  # civicloop/


def _templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in sorted(ROOT.glob("*/jinja2")):
        for path in folder.rglob("*.html"):
            found.setdefault(path.relative_to(folder).as_posix(), path.read_text())
    return found


def _template_facts(env: Environment, source: str) -> tuple[set[str], set[str]]:
    """(names bound by imports, templates it includes or extends) of one template."""
    tree = env.parse(source)
    imported: set[str] = set()
    for from_import in tree.find_all(nodes.FromImport):
        for name in from_import.names:
            imported.add(name[1] if isinstance(name, tuple) else name)
    imported |= {imp.target for imp in tree.find_all(nodes.Import)}
    used: set[str] = set()
    for kind in (nodes.Include, nodes.Extends):
        for node in tree.find_all(kind):
            target = getattr(node, "template", None)
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                used.add(target.value)
    return imported, used


def _imports_by_template() -> dict[str, set[str]]:
    """Every name a template binds by import, its includes' and its parents' counted too."""
    from django.template import engines

    # The project's own environment (its extensions); the templates are only parsed.
    env: Environment = engines["jinja2"].env  # type: ignore[attr-defined]  # Jinja2 backend
    sources = _templates()
    facts = {name: _template_facts(env, src) for name, src in sources.items()}

    def closure(name: str, seen: set[str]) -> set[str]:
        if name in seen or name not in facts:
            return set()
        seen.add(name)
        imported, used = facts[name]
        out = set(imported)
        for other in used:
            out |= closure(other, seen)
        return out

    return {name: closure(name, set()) for name in facts}


def _dict_keys(node: ast.AST | None) -> set[str]:
    if not isinstance(node, ast.Dict):
        return set()
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def _context_names_by_template() -> dict[str, set[tuple[str, str]]]:
    """Template name → {(context key, where)} from every render call with literal arguments."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            bound = {
                t.id: stmt.value
                for stmt in ast.walk(func)
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            }
            for call in ast.walk(func):
                if not isinstance(call, ast.Call):
                    continue
                args = list(call.args) + [k.value for k in call.keywords]
                names = [
                    a.value
                    for a in args
                    if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and a.value.endswith(".html")
                ]
                if not names:
                    continue
                keys: set[str] = set()
                for arg in args:
                    target = bound.get(arg.id) if isinstance(arg, ast.Name) else arg
                    keys |= _dict_keys(target)
                where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
                for name in names:
                    found.setdefault(name, set()).update((k, where) for k in keys)
    return found


def test_the_walk_sees_the_templates_and_the_views():
    imports = _imports_by_template()
    contexts = _context_names_by_template()
    assert "chart" in imports["scaling/plan.html"]
    assert "projection_spec" in {k for k, _ in contexts["scaling/plan.html"]}
    assert len(contexts) > 40  # most pages are found, not a handful


def test_no_template_import_shadows_a_context_variable():
    imports = _imports_by_template()
    clashes = sorted(
        f"{template} imports {key!r}, which {where} passes in its context"
        for template, keys in _context_names_by_template().items()
        for key, where in keys
        if key in imports.get(template, set())
    )
    assert clashes == []


@pytest.mark.django_db
def test_the_same_defect_is_caught_when_rendered():
    """The defect itself, on Django's Jinja2 engine: an import hides the context variable."""
    from django.template import engines

    template = engines["jinja2"].from_string(
        '{% from "includes/chart.html" import chart %}{{ chart is callable }}'
    )
    assert template.render({"chart": {"mark": "bar"}}) == "True"
