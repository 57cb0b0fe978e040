"""The Spanish catalogue is complete, in step with the code, and free of sentence fragments.

The .po files are the only source of translations (docs/i18n.md). A failure here names the
entries to fix: run `make messages`, translate what it lists in the .po, `make compilemessages`.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.template import engines
from django.utils import translation
from jinja2 import Environment, nodes

from civicloop.experiments.models import DecisionKind
from civicloop.feedback.models import QuestionKind, SurveyStatus
from civicloop.locale import messages
from civicloop.market.models import ChallengeStatus, ProposalStatus
from civicloop.scaling.models import ObstacleStatus

PO_PATH = messages.LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
PACKAGE_DIR = messages.PACKAGE_DIR

# Named %-placeholders, positional %s/%d, brace placeholders and escaped percent signs: a
# translation must keep each of them exactly (a missing one loses a number; a new one raises).
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"
    r"|%[0-9.]*[sd](?![A-Za-z])|\{[A-Za-z_]\w*\}|%%"
)

# Words a whole sentence, label or heading does not end on: a msgid ending on one is the start
# of a sentence that the template finishes with a value ("Back to" + name). Word order differs
# in Spanish, so the value belongs inside the msgid as a placeholder.
DANGLING_END = frozenset(
    "a an and as at between by for from in into of on or per than the to versus with".split()
)
# A msgid that starts lowercase on one of these and has no placeholder continues a sentence
# begun elsewhere ("of traffic", "in total").
DANGLING_START = frozenset("about after at before by for from in of on per to versus with".split())

# Msgids that end or start like a fragment but are whole: labels placed before the value or
# the field they name (GOV.UK summary-list keys, table headers, form labels), and the like.
ALLOWED_FRAGMENTS: dict[str, str] = {
    "Sign in": "a phrasal verb",
    "Signed on": "form label before a date field",
    "Due on": "form label before a date field",
    "Paid on": "form label before a date field",
    "Starts on": "form label before a date field",
    "Ends on": "form label before a date field",
    "Exited on": "form label before a date field",
    "Completed on": "form label before a date field",
    "Sort by": "form label before a select",
    "Break scores down by": "form label before a select",
    "Move to": "form label before a select of stages",
    "Start from": "form label before a select of templates",
    "Multiply the experiment's effect by": "form label before a number field",
    "Run by": "summary-list key before the unit's name",
    "Last signed in": "summary-list key before a date (people/person.html)",
    "Figures from": "table header over the figures' source",
    "Closed as": "table header over the closing reason",
    "for (target group)…": "hint of one input of the hypothesis form (If we… then… for…)",
    "improves by…": "hint of one input of the hypothesis form (If we… then… improves by…)",
    "the folder the file was saved in": "a whole phrase that English ends on its preposition",
    " · Maryland SMS %(sms)s, Nesta %(nesta)s": (
        "suffix of a line in experiments/selectors.py; the module is being split (issue 14)"
    ),
}

# Code that joins two whole translated sentences (each a full stop of its own) is fine.
ALLOWED_CONCATENATIONS = frozenset({"%(n)s site observation recorded."})

GETTEXT_NAMES = frozenset(messages.KEYWORDS)
CONTEXT_FIRST = frozenset({"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"})


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt} | {entry.msgid}" if entry.msgctxt else entry.msgid


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def test_every_spanish_entry_is_translated(catalogue):
    missing = [_key(entry) for entry in catalogue.untranslated_entries()]
    assert not missing, "untranslated (translate in django.po):\n" + "\n".join(missing)


def test_no_fuzzy_entry_is_left_for_review(catalogue):
    # make messages marks a changed msgid fuzzy with the old translation as a guess; msgfmt and
    # Babel leave fuzzy entries out of the .mo, so the page silently falls back to English.
    fuzzy = [_key(entry) for entry in catalogue.fuzzy_entries()]
    assert not fuzzy, "fuzzy (review, then remove the fuzzy flag):\n" + "\n".join(fuzzy)


def test_no_obsolete_entry_is_left_in_the_catalogue(catalogue):
    obsolete = [_key(entry) for entry in catalogue.obsolete_entries()]
    assert not obsolete, "obsolete #~ entries (delete them):\n" + "\n".join(obsolete)


def test_catalogue_holds_exactly_the_strings_the_code_marks(catalogue):
    in_code = messages.code_messages()
    in_catalogue = {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}
    new = sorted(
        f"{msgid!r} ({in_code[(ctx, msgid)][0]})" for ctx, msgid in in_code.keys() - in_catalogue
    )
    stale = sorted(repr(msgid) for _ctx, msgid in in_catalogue - in_code.keys())
    assert not new, "run `make messages`; not in the catalogue:\n" + "\n".join(new)
    assert not stale, "run `make messages`; no longer in the code:\n" + "\n".join(stale)


def test_translations_keep_the_placeholders_of_the_msgid(catalogue):
    wrong = []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if index == 0 else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, target in pairs:
            if placeholders(source) != placeholders(target):
                wrong.append(f"{source!r} -> {target!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_jinja_msgids_have_no_bare_percent_sign(catalogue):
    # New-style gettext applies % to every Jinja string: a bare % raises in every language.
    bare = [
        entry.msgid
        for entry in catalogue
        if any("/jinja2/" in path for path, _line in entry.occurrences)
        and messages.literal_percent(entry.msgid)
    ]
    assert not bare, "write %% for a literal percent sign in a Jinja msgid:\n" + "\n".join(bare)


def test_compiled_catalogue_matches_the_po(catalogue):
    compiled = polib.mofile(str(PO_PATH.with_suffix(".mo")))
    in_mo = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled if e.msgid}
    in_po = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in catalogue.translated_entries()
    }
    differ = sorted(
        repr(key[1]) for key in in_po.keys() | in_mo.keys() if in_po.get(key) != in_mo.get(key)
    )
    assert not differ, "run `make compilemessages`; the .mo differs on:\n" + "\n".join(differ)


def fragment_problem(msgid: str) -> str | None:
    """Why a msgid looks like a piece of a sentence, or None."""
    if msgid != msgid.strip():
        return "starts or ends with a space"
    words = re.findall(r"[A-Za-z']+", msgid.rstrip("…:."))
    if not words:
        return None
    if msgid.strip("…:.") in DANGLING_END | DANGLING_START:
        return "a lone connecting word"
    if words[-1] in DANGLING_END and msgid.rstrip("…:")[-1:].isalpha():
        return f"ends on {words[-1]!r}"
    if msgid[0].islower() and words[0] in DANGLING_START and not PLACEHOLDER.search(msgid):
        return f"starts on {words[0]!r} with no placeholder"
    return None


def test_fragment_heuristic_catches_the_patterns_it_is_for():
    assert fragment_problem("Back to") == "ends on 'to'"
    assert fragment_problem("to") == "a lone connecting word"
    assert fragment_problem("of traffic") == "starts on 'of' with no placeholder"
    assert fragment_problem(" · more") == "starts or ends with a space"
    assert fragment_problem("Back to %(service)s") is None
    assert fragment_problem("Date") is None
    assert fragment_problem("After") is None  # a column header, capitalised
    assert fragment_problem("Not a fragment.") is None


def test_no_msgid_is_a_sentence_fragment(catalogue):
    found = []
    for entry in catalogue:
        problem = fragment_problem(entry.msgid)
        if problem and entry.msgid not in ALLOWED_FRAGMENTS:
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            found.append(f"{entry.msgid!r}: {problem} ({where})")
    assert not found, (
        "write the whole sentence with a placeholder, or add a reason to ALLOWED_FRAGMENTS:\n"
        + "\n".join(found)
    )
    unused = set(ALLOWED_FRAGMENTS) - {entry.msgid for entry in catalogue}
    assert not unused, f"ALLOWED_FRAGMENTS lists msgids no longer in the catalogue: {unused}"


def _python_gettext_name(call: ast.Call) -> str | None:
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else None
    )
    return name if name in GETTEXT_NAMES else None


def _python_problems(path: Path) -> list[str]:
    problems = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _python_gettext_name(node)) and node.args:
            msgid = node.args[1 if name in CONTEXT_FIRST and len(node.args) > 1 else 0]
            if isinstance(msgid, ast.BinOp | ast.JoinedStr):
                problems.append(
                    f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}: msgid built from pieces"
                )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            sides = [
                [c for c in ast.walk(side) if isinstance(c, ast.Call) and _python_gettext_name(c)]
                for side in (node.left, node.right)
            ]
            literals = {
                arg.value
                for calls in sides
                for call in calls
                for arg in call.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            }
            if all(sides) and not literals & ALLOWED_CONCATENATIONS:
                problems.append(
                    f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}: translated strings joined with +"
                )
    return problems


def _jinja_gettext(node: nodes.Node) -> bool:
    return (
        isinstance(node, nodes.Call)
        and isinstance(node.node, nodes.Name)
        and node.node.name in GETTEXT_NAMES
    )


def _jinja_problems(path: Path) -> list[str]:
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"], autoescape=True)
    tree = env.parse(path.read_text(encoding="utf-8"))
    problems = []
    for call in tree.find_all(nodes.Call):
        if _jinja_gettext(call) and call.args:
            index = 1 if call.node.name in CONTEXT_FIRST and len(call.args) > 1 else 0  # type: ignore[attr-defined]
            if isinstance(call.args[index], nodes.Concat | nodes.Add | nodes.Mod):
                problems.append(
                    f"{path.relative_to(PACKAGE_DIR.parent)}:{call.lineno}: msgid built from pieces"
                )
    for concat in tree.find_all(nodes.Concat):
        if any(_jinja_gettext(part) for part in concat.nodes):
            problems.append(
                f"{path.relative_to(PACKAGE_DIR.parent)}:{concat.lineno}: a translated string joined with ~"
            )
    for add in tree.find_all(nodes.Add):
        if _jinja_gettext(add.left) or _jinja_gettext(add.right):
            problems.append(
                f"{path.relative_to(PACKAGE_DIR.parent)}:{add.lineno}: a translated string joined with +"
            )
    return problems


def test_code_does_not_build_sentences_from_translated_pieces():
    problems = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if not {"tests", "migrations", "locale", "security_tests"} & set(path.parts):
            problems += _python_problems(path)
    for path in sorted(PACKAGE_DIR.glob("*/jinja2/**/*.html")):
        problems += _jinja_problems(path)
    assert not problems, (
        "pass the pieces as placeholders of one msgid: _('Back to %(name)s', name=...):\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("label", "spanish"),
    [
        # One English word, two Spanish ones: the context picks the right one.
        (lambda: ObstacleStatus.OPEN.label, "Abierto"),
        (lambda: SurveyStatus.OPEN.label, "Abierta"),
        (lambda: ChallengeStatus.AWARDED.label, "Adjudicado"),
        (lambda: ProposalStatus.AWARDED.label, "Adjudicada"),
        (lambda: DecisionKind.SCALE.label, "Escalar"),
        (lambda: QuestionKind.SCALE.label, "Escala"),
    ],
)
def test_ambiguous_choice_labels_read_right_in_spanish(label, spanish):
    with translation.override("es"):
        assert str(label()) == spanish


def test_jinja_templates_translate_with_a_context_and_escape_placeholders():
    template = engines["jinja2"].from_string(
        '{{ pgettext("score range", "Scale") }}|{{ _("Back to %(service)s", service=name) }}'
    )
    with translation.override("es"):
        html = template.render({"name": "<b>Licencias</b>"})
    assert html == "Escala|Volver a &lt;b&gt;Licencias&lt;/b&gt;"
