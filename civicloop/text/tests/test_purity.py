import ast
from pathlib import Path

import civicloop.text

PACKAGE = Path(civicloop.text.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module or "")
    return names


def test_text_imports_no_django_and_no_other_app():
    modules = sorted(
        p for p in PACKAGE.rglob("*.py") if "tests" not in p.relative_to(PACKAGE).parts
    )
    names = {p.stem for p in modules}
    assert {"redact", "checksums", "vectors", "themes", "sentiment", "corpus"} <= names
    for module in modules:
        for name in _imports(module):
            top = name.split(".")[0]
            assert top != "django", f"{module} imports {name}"
            if top == "civicloop":
                assert name == "civicloop.text" or name.startswith("civicloop.text."), (
                    f"{module} imports {name}"
                )
