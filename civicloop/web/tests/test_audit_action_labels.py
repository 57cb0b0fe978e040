"""Every audit action a service records is said in words, in English and in Spanish.

The audit log, an event's page, the action filter and the CSV export all say an action through
`labels.action_label`. The codes are collected from the source: every `*Event` enum, and every
`audit_record(action=...)` call, which must pass one of those enums' members (or a name the
function was given, itself called with members), never a bare string no enum lists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import polib
import pytest
from django.utils import translation

from civicloop.locale import messages
from civicloop.web import labels
from civicloop.web.audit_actions import ACTION_LABELS

SOURCE = Path(labels.__file__).resolve().parents[1]
PO_PATH = messages.LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"


def _sources() -> list[tuple[Path, ast.Module]]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        if "tests" in parts or "security_tests" in parts or "migrations" in parts:
            continue
        found.append((path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _event_enums(trees: list[tuple[Path, ast.Module]]) -> dict[str, dict[str, str]]:
    """`class XEvent(StrEnum)` bodies: enum name → member name → code."""
    enums: dict[str, dict[str, str]] = {}
    for _path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Event"):
                members = {
                    stmt.targets[0].id: stmt.value.value
                    for stmt in node.body
                    if isinstance(stmt, ast.Assign)
                    and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                }
                if members:
                    enums[node.name] = members
    return enums


def _recorded_actions(trees, enums) -> tuple[set[str], list[str]]:
    """The codes `audit_record` calls pass, and the calls whose action is not an enum member."""
    codes: set[str] = set()
    unknown: list[str] = []
    for path, tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "audit_record":
                continue
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            if action is None:
                continue  # the definition's own signature is not a call
            for part in ast.walk(action):
                if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name):
                    member = enums.get(part.value.id, {}).get(part.attr)
                    if member is None:
                        unknown.append(f"{path.name}:{call.lineno} {ast.unparse(action)}")
                    else:
                        codes.add(member)
                elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                    unknown.append(f"{path.name}:{call.lineno} {part.value!r}")
    return codes, unknown


@pytest.fixture(scope="module")
def emitted() -> set[str]:
    trees = _sources()
    enums = _event_enums(trees)
    recorded, unknown = _recorded_actions(trees, enums)
    assert not unknown, "audit_record with an action no *Event enum lists:\n" + "\n".join(unknown)
    every = {code for members in enums.values() for code in members.values()}
    assert recorded <= every
    assert len(recorded) > 100  # the walk found the services' calls, not nothing
    return every


def test_every_recorded_action_has_a_label(emitted):
    missing = sorted(emitted - ACTION_LABELS.keys())
    assert not missing, "add these to civicloop/web/audit_actions.py:\n" + "\n".join(missing)
    stale = sorted(ACTION_LABELS.keys() - emitted)
    assert not stale, "no service records these any more:\n" + "\n".join(stale)


def test_every_action_label_is_translated_to_spanish(emitted):
    catalogue = {e.msgid: e for e in polib.pofile(str(PO_PATH)) if not e.obsolete}
    untranslated = []
    for code in sorted(emitted):
        with translation.override("en"):
            english = str(ACTION_LABELS[code])
        entry = catalogue.get(english)
        with translation.override("es"):
            shown = labels.action_label(code)
        if entry is None or not entry.msgstr or "fuzzy" in entry.flags or english in shown:
            untranslated.append(f"{code}: {english!r} → {shown!r}")
    assert not untranslated, "translate in django.po:\n" + "\n".join(untranslated)


def test_the_audit_log_shows_actions_in_words_in_either_language(world):
    from civicloop.core.audit import audit_record
    from civicloop.market.events import MarketEvent

    audit_record(actor=None, action=MarketEvent.SEALING_KEYS_ROTATED, organization=world.unit)
    client = world.client("auditor")
    assert "Market: Sealing keys rotated" in client.get("/audit/").content.decode()
    client.cookies["django_language"] = "es"
    body = client.get("/audit/").content.decode()
    assert "Mercado: Claves de sellado rotadas" in body
    assert "sealing keys rotated" not in body.lower()
