"""Every error message raised to a person is translatable (issue 15, item 13).

Walks the AST of every module under ``civicloop/`` (tests and migrations excluded) and
flags ``ValidationError(...)`` and ninja ``HttpError(...)`` calls whose message is a plain
string literal or f-string (directly, or as a value of a dict message, or inside a list)
instead of a gettext call (``_``, ``gettext``, ``gettext_lazy``, ``ngettext``, ...).

Exempt, with the reason:

- ``Http404`` is not inspected at all: its message is never shown (the 404 page is).
- ``civicloop/cli/`` and ``management/commands/``: command-line errors read by operators
  in a terminal, not by users of the site in their language.
- Messages that are a variable or a call other than gettext are not judged here (they are
  usually built from translated parts); only literals are flagged.

``KNOWN`` may only shrink: a hit not listed fails, and a listed entry that no longer hits
fails too, so the list is kept exact.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "civicloop"

GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "_lazy",
}
ERROR_NAMES = {"ValidationError", "HttpError"}

# "path:function:ErrorName" entries still to translate. It may only shrink.
KNOWN: set[str] = set()


def _skipped(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return (
        "tests" in parts
        or "migrations" in parts
        or parts[0] == "cli"
        or ("management" in parts and "commands" in parts)
        or path.name.startswith("test_")
        or path.name == "conftest.py"
    )


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_plain_text(node: ast.expr) -> bool:
    """True when the node is a string literal or f-string, or contains one as message."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Dict):
        return any(v is not None and _is_plain_text(v) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_is_plain_text(e) for e in node.elts)
    if isinstance(node, ast.BinOp):  # "a" + "b", "x %s" % y
        return _is_plain_text(node.left) or _is_plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # "...".format(...) on a literal
        return node.func.attr == "format" and _is_plain_text(node.func.value)
    return False


def _message_arg(call: ast.Call, error: str) -> ast.expr | None:
    if error == "HttpError":  # HttpError(status_code, message)
        if len(call.args) >= 2:
            return call.args[1]
        keyword = "message"
    else:
        if call.args:
            return call.args[0]
        keyword = "message"
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return None


def _hits_in(source: str, rel: str) -> list[str]:
    tree = ast.parse(source, filename=rel)
    hits: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = child.name if function == "<module>" else f"{function}.{child.name}"
            if isinstance(child, ast.Call):
                error = _callee_name(child.func)
                if error in ERROR_NAMES:
                    message = _message_arg(child, error)
                    if message is not None and _is_plain_text(message):
                        hits.append(f"{rel}:{name}:{error}:{child.lineno}")
            visit(child, name)

    visit(tree, "<module>")
    return hits


def _all_hits() -> list[str]:
    hits: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not _skipped(path):
            rel = path.relative_to(ROOT).as_posix()
            hits.extend(_hits_in(path.read_text(encoding="utf-8"), rel))
    return hits


def _without_line(hit: str) -> str:
    return hit.rsplit(":", 1)[0]


def test_error_messages_raised_to_people_are_translatable() -> None:
    hits = _all_hits()
    new = sorted(h for h in hits if _without_line(h) not in KNOWN)
    assert not new, (
        "These errors show an untranslated message; wrap it in gettext with a whole-sentence "
        "msgid and %(name)s placeholders:\n" + "\n".join(new)
    )


def test_known_untranslated_errors_list_only_shrinks() -> None:
    still = {_without_line(h) for h in _all_hits()}
    fixed = sorted(KNOWN - still)
    assert not fixed, "Remove these from KNOWN, they are translated now:\n" + "\n".join(fixed)


def test_the_walker_flags_a_literal_and_accepts_gettext() -> None:
    source = (
        "from django.core.exceptions import ValidationError\n"
        "from django.utils.translation import gettext as _\n"
        "def bad():\n    raise ValidationError({'name': f'Name {1} is wrong'})\n"
        "def good():\n    raise ValidationError({'name': _('Name is wrong.')})\n"
    )
    hits = [_without_line(h) for h in _hits_in(source, "probe.py")]
    assert hits == ["probe.py:bad:ValidationError"]
