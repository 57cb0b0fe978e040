"""civicloop.stats must stay a pure library: no Django, no other civicloop app."""

import ast
from pathlib import Path

import civicloop.stats

PACKAGE_DIR = Path(civicloop.stats.__file__).parent


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.append(node.module or "")
    return names


def test_stats_package_imports_no_django_and_no_other_civicloop_app():
    # The tests directory is excluded: test_cli.py exercises the CLI shell around the library.
    modules = sorted(p for p in PACKAGE_DIR.rglob("*.py") if "tests" not in p.parts)
    assert len(modules) > 10
    offenders = []
    for path in modules:
        for name in _imported_modules(path):
            root = name.split(".")[0]
            if root == "django" or root in {"rest_framework", "ninja"}:
                offenders.append(f"{path.name}: {name}")
            if root == "civicloop" and not name.startswith("civicloop.stats"):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_library_modules_do_no_file_io():
    """Only tests may read files; the library takes and returns plain data."""
    banned = {"open", "read_csv", "read_parquet", "to_csv", "loadtxt", "savetxt"}
    offenders = []
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in banned:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
