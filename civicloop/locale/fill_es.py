"""Fill the Spanish catalogue from the reviewed dictionary in ``es_terms.json``.

Reusable after every makemessages run: entries whose msgid is in the dictionary get its
translation (and lose any ``fuzzy`` flag); entries that are not are listed, left empty and
never guessed. Placeholders (``%(n)s``, ``%%``, ``{name}``) must match the msgid or the
translation is refused.

Dictionary format (``es_terms.json``, one object, keys sorted): ``"msgid": "msgstr"``; for a
plural entry ``"msgid": ["singular", "plural"]``; for an entry with a context
``"context\\u0004msgid"`` (the gettext convention).

Run from the project root after makemessages and extract_jinja.py::

    .venv/bin/python civicloop/locale/fill_es.py          # fill and list what is missing
    .venv/bin/python civicloop/locale/fill_es.py --check  # exit 1 if anything is untranslated
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent
PO_PATH = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
TERMS_PATH = LOCALE_DIR / "es_terms.json"
CONTEXT_SEPARATOR = "\x04"
NAMED = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{[A-Za-z_]\w*\}"
)
HEADER = {
    "Project-Id-Version": "CivicLoop",
    "Language-Team": "CivicLoop <https://github.com/civicloop>",
    "Last-Translator": "CivicLoop maintainers",
    "Language": "es",
}


def placeholders(text: str) -> Counter[str]:
    """Named placeholders and escaped percent signs, which a translation must keep exactly."""
    found = Counter(NAMED.findall(text))
    found["%%"] = text.count("%%")
    return found


def literal_percent(msgid: str) -> bool:
    """True when the msgid has a bare % that xgettext took for a format directive (95% interval)."""
    return "%" in NAMED.sub("", msgid).replace("%%", "")


def entry_key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}" if entry.msgctxt else entry.msgid


def translation_problem(entry: polib.POEntry, value: str | list[str]) -> str | None:
    if entry.msgid_plural:
        if not (isinstance(value, list) and len(value) == 2):
            return "a plural entry needs [singular, plural]"
        pairs = [(entry.msgid, value[0]), (entry.msgid_plural, value[1])]
    else:
        if not isinstance(value, str):
            return "a singular entry needs a string"
        pairs = [(entry.msgid, value)]
    for source, target in pairs:
        if not target.strip():
            return "empty translation"
        if placeholders(source) != placeholders(target):
            return f"placeholders differ: {source!r} -> {target!r}"
    return None


def catalogue_fill(*, po_path: Path = PO_PATH, terms_path: Path = TERMS_PATH) -> dict[str, list]:
    """Write the dictionary's translations into the catalogue; report what happened."""
    terms: dict[str, str | list[str]] = json.loads(terms_path.read_text(encoding="utf-8"))
    catalogue = polib.pofile(str(po_path), wrapwidth=79)
    catalogue.metadata.update(HEADER)
    catalogue.metadata_is_fuzzy = False
    report: dict[str, list] = {"translated": [], "missing": [], "refused": []}
    for entry in catalogue:
        if entry.obsolete:
            continue
        value = terms.get(entry_key(entry))
        if value is None:
            report["missing"].append(entry_key(entry))
            continue
        problem = translation_problem(entry, value)
        if problem:
            report["refused"].append((entry_key(entry), problem))
            continue
        if entry.msgid_plural:
            singular, plural = value  # type: ignore[str-unpack]  # plural entries are [singular, plural]
            # Spanish has 3 forms in gettext/CLDR (1, multiples of a million, other); the
            # numeral form ("1000000 problemas") reads naturally, so forms 1 and 2 agree.
            entry.msgstr_plural = {
                index: singular if index == 0 else plural for index in entry.msgstr_plural
            }
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if "python-format" in entry.flags and literal_percent(entry.msgid):
            # "95% interval" is not a format string; msgfmt would demand "% i" in Spanish.
            entry.flags[entry.flags.index("python-format")] = "no-python-format"
        report["translated"].append(entry_key(entry))
    catalogue.save()
    used = {entry_key(entry) for entry in catalogue if not entry.obsolete}
    report["unused"] = sorted(set(terms) - used)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--po", type=Path, default=PO_PATH)
    parser.add_argument("--terms", type=Path, default=TERMS_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if anything is untranslated")
    args = parser.parse_args()
    report = catalogue_fill(po_path=args.po, terms_path=args.terms)
    print(f"translated: {len(report['translated'])}")
    print(f"unused dictionary entries (kept for reuse): {len(report['unused'])}")
    for key, problem in report["refused"]:
        print(f"REFUSED {key!r}: {problem}")
    for key in report["missing"]:
        print(f"MISSING {key!r}")
    if args.check and (report["missing"] or report["refused"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
