"""Add the Jinja2-only msgids that Django's makemessages misses to a .po catalogue.

makemessages reads ``.html`` files as Django templates, so it drops Jinja forms such as
``{{ _("%(n)s ratings", n=count) }}`` and ``{{ ngettext("%(num)d x", "%(num)d xs", n) }}``.
This script parses every ``*/jinja2/**/*.html`` template with Jinja2's own i18n extractor and
appends what is missing (entries already in the catalogue keep their translations).

Run it from the project root right after makemessages::

    .venv/bin/python civicloop/locale/extract_jinja.py civicloop/locale/es/LC_MESSAGES/django.po
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import polib
from jinja2 import Environment

PACKAGE_DIR = Path(__file__).resolve().parent.parent
GETTEXT_FUNCTIONS = ("_", "gettext", "ngettext", "pgettext", "npgettext")
PLACEHOLDER = re.compile(r"%(\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(\.\d+)?[sdifrx]")


def jinja_messages(root: Path) -> dict[tuple[str | None, str], tuple[str | None, list]]:
    """Map (context, msgid) to (msgid_plural, [(path, line), ...]) for all Jinja templates."""
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"], autoescape=True)
    found: dict[tuple[str | None, str], tuple[str | None, list]] = {}
    for path in sorted(root.glob("*/jinja2/**/*.html")):
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(root).as_posix()
        for lineno, func, message in env.extract_translations(source, GETTEXT_FUNCTIONS):  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
            strings = message if isinstance(message, tuple) else (message,)
            context = None
            if func in ("pgettext", "npgettext"):
                context, strings = strings[0], strings[1:]
            if not strings or not isinstance(strings[0], str):
                continue  # a variable, not a literal: nothing to extract
            msgid = strings[0]
            plural = strings[1] if func in ("ngettext", "npgettext") and len(strings) > 1 else None
            entry = found.setdefault((context, msgid), (plural, []))
            entry[1].append((relative, lineno))
    return found


def catalogue_update(*, po_path: Path, root: Path = PACKAGE_DIR) -> int:
    """Append missing Jinja msgids to the catalogue; return how many were added."""
    catalogue = polib.pofile(str(po_path), wrapwidth=79)
    nplurals = int(catalogue.metadata.get("Plural-Forms", "nplurals=2").split("nplurals=")[1][0])
    known = {(entry.msgctxt, entry.msgid): entry for entry in catalogue}
    added = 0
    for (context, msgid), (plural, occurrences) in jinja_messages(root).items():
        existing = known.get((context, msgid))
        if existing is not None and not existing.obsolete:
            continue
        if existing is not None:
            # makemessages marked it obsolete (#~) because it could not see it: revive it.
            existing.obsolete = False
            existing.occurrences = occurrences
            added += 1
            continue
        entry = polib.POEntry(msgid=msgid, msgctxt=context, occurrences=occurrences)
        if PLACEHOLDER.search(msgid) or (plural and PLACEHOLDER.search(plural)):
            entry.flags.append("python-format")
        if plural:
            entry.msgid_plural = plural
            entry.msgstr_plural = dict.fromkeys(range(nplurals), "")
        catalogue.append(entry)
        added += 1
    catalogue.save()
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("po", nargs="+", type=Path, help="catalogue(s) to update in place")
    args = parser.parse_args()
    for po_path in args.po:
        print(f"{po_path}: {catalogue_update(po_path=po_path)} Jinja msgids added")


if __name__ == "__main__":
    main()
