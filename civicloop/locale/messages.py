"""Extract, merge and compile the message catalogues with Babel (``make messages``).

The ``.po`` files under ``civicloop/locale/<lang>/LC_MESSAGES/`` are the only source of
translations. ``update`` extracts every marked string (Python, Jinja2 and the Django templates,
as ``babel.cfg`` maps them) into ``var/i18n/django.pot`` and merges it into each catalogue the
way msgmerge does: existing translations are kept, a msgid whose English changed comes back
``fuzzy`` with the old translation as a suggestion, new msgids arrive empty, and entries no
longer in the code are dropped. ``compile`` writes the ``.mo`` files Django reads (fuzzy
entries are left out). ``check`` lists what a translator still has to do;
``civicloop/web/tests/test_translations.py`` fails on the same things.

Run from the project root::

    .venv/bin/python -m civicloop.locale.messages update    # make messages
    .venv/bin/python -m civicloop.locale.messages compile   # make compilemessages
    .venv/bin/python -m civicloop.locale.messages check     # what is left to translate
    .venv/bin/python -m civicloop.locale.messages init fr   # a new language
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = LOCALE_DIR.parent
PROJECT_DIR = PACKAGE_DIR.parent
MAPPING = PROJECT_DIR / "babel.cfg"
TEMPLATE = PROJECT_DIR / "var" / "i18n" / "django.pot"
DOMAIN = "django"
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")

# The translation functions Django and Jinja2 code calls, as Babel keyword specs: argument
# numbers of the msgid (and plural); "c" marks the context argument.
KEYWORDS: dict[str, tuple | None] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _keyword_options() -> list[str]:
    options = []
    for name, spec in KEYWORDS.items():
        if spec is None:
            options.append(f"--keyword={name}")
            continue
        parts = [f"{part[0]}c" if isinstance(part, tuple) else str(part) for part in spec]
        options.append(f"--keyword={name}:{','.join(parts)}")
    return options


def catalogue_paths() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    # From the project root, so that the catalogue's locations read civicloop/app/file.py:12.
    with contextlib.chdir(PROJECT_DIR):
        CommandLineInterface().run(["pybabel", "-q", *args])


def template_extract() -> Path:
    """Write every marked string of the code to the .pot template."""
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    pybabel(
        "extract",
        f"--mapping-file={MAPPING}",
        f"--output-file={TEMPLATE}",
        "--no-default-keywords",
        *_keyword_options(),
        "--sort-by-file",
        "--no-wrap",
        "--project=CivicLoop",
        "--version=main",
        "--copyright-holder=CivicLoop contributors",
        "--msgid-bugs-address=https://github.com/civicloop/civicloop/issues",
        PACKAGE_DIR.name,
    )
    return TEMPLATE


def code_messages() -> dict[tuple[str | None, str], list[str]]:
    """(context, msgid) of every string the code marks, with where it is ("path:line")."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: dict[tuple[str | None, str], list[str]] = {}
    for path, line, message, _comments, context in extract_from_dir(
        PACKAGE_DIR, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.setdefault((context, msgid), []).append(f"{path}:{line}")
    return found


def catalogues_update() -> None:
    """Extract, then merge the template into every catalogue (msgmerge semantics)."""
    template_extract()
    before = {path: path.read_text(encoding="utf-8") for path in catalogue_paths()}
    pybabel(
        "update",
        f"--input-file={TEMPLATE}",
        f"--output-dir={LOCALE_DIR}",
        f"--domain={DOMAIN}",
        "--ignore-obsolete",
        # no --previous: Babel wraps the "#| msgid" comment of a long old msgid onto bare
        # lines that polib and msgfmt cannot read back; the fuzzy entry keeps the old Spanish
        "--no-wrap",
    )
    for path, text in before.items():
        # Only the extraction time changed: keep the file as it was, so that branches that
        # merely ran `make messages` do not conflict on that line.
        if _without_creation_date(path.read_text(encoding="utf-8")) == _without_creation_date(text):
            path.write_text(text, encoding="utf-8")


def _without_creation_date(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date: .*$', "", text, flags=re.MULTILINE)


def literal_percent(msgid: str) -> bool:
    """True when a msgid has a % that is text, not a placeholder ("95% interval" in Python)."""
    return "%" in PLACEHOLDER.sub("", msgid).replace("%%", "")


def catalogues_compile() -> int:
    """Write each catalogue's .mo (fuzzy entries left out); return the number of errors."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    errors = 0
    for po_path in catalogue_paths():
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        for message in catalog:
            msgids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            if message.id and any(literal_percent(msgid) for msgid in msgids):
                # Babel flags "95% interval" as python-format and would reject "95 %".
                message.flags.discard("python-format")
        for message, problems in catalog.check():
            for problem in problems:
                errors += 1
                print(f"{po_path}:{message.lineno}: {problem} ({message.id!r})", file=sys.stderr)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
    return errors


def catalogue_init(language: str) -> None:
    template_extract()
    pybabel(
        "init",
        f"--input-file={TEMPLATE}",
        f"--output-dir={LOCALE_DIR}",
        f"--domain={DOMAIN}",
        f"--locale={language}",
        "--no-wrap",
    )


def catalogue_problems(po_path: Path) -> list[str]:
    """What a translator still has to do in one catalogue: empty, fuzzy and obsolete entries."""
    import polib

    catalogue = polib.pofile(str(po_path))

    def name(entry: polib.POEntry) -> str:
        return (
            f"{entry.msgid!r} (context {entry.msgctxt!r})" if entry.msgctxt else repr(entry.msgid)
        )

    problems = [f"untranslated: {name(entry)}" for entry in catalogue.untranslated_entries()]
    problems += [f"fuzzy: {name(entry)}" for entry in catalogue.fuzzy_entries()]
    problems += [f"obsolete: {name(entry)}" for entry in catalogue.obsolete_entries()]
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "compile", "check", "init"])
    parser.add_argument("language", nargs="?", help="for init: a language code such as fr")
    args = parser.parse_args(argv)
    if args.command == "update":
        catalogues_update()
    elif args.command == "compile" and catalogues_compile():
        sys.exit(1)
    elif args.command == "init":
        if not args.language:
            parser.error("init needs a language code")
        catalogue_init(args.language)
    failed = False
    if args.command in ("update", "check"):
        for po_path in catalogue_paths():
            problems = catalogue_problems(po_path)
            print(f"{po_path.relative_to(PROJECT_DIR)}: {len(problems)} entries to translate")
            for problem in problems:
                print(f"  {problem}")
            failed = failed or bool(problems)
    if args.command == "check" and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
