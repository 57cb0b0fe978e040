"""Human labels for what the code stores as codes: actors, object references, fields, choices.

Pages never show a stored code ("person:1", "core.apikey 2", "planned_days", "email"). Every
template reaches these through the Jinja2 globals of `civicloop/web/jinja.py`:

- ``actor(person, label)``: who did something. A person (or the person behind a stored label
  ``person:<id>``) by name; ``apikey:<prefix>`` as "API key abc123…"; ``system`` as "System".
- ``object_label(object_type, object_id, names)``: a model's translated verbose name and, when
  known, the object's own name ("API key “CI pipeline”"), else its number ("API key no. 2").
- ``field_label(model_label, field_name)``: a model field's translated verbose name, or the name
  in words ("planned_days" → "Planned days") for a key that is not a field.
- ``choice_label(model_label, field_name, code)``: a choice's translated label.

All answers are translated in the active language: labels come from the models' own
``verbose_name`` and ``choices`` (which are marked for translation).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markupsafe import Markup, escape

from civicloop.web.audit_actions import ACTION_LABELS

_PERSON = re.compile(r"^person:(\d+)$")
_APIKEY = re.compile(r"^apikey:(\w+)$")


def _model(model_label: str) -> type[Model] | None:
    try:
        return apps.get_model(model_label)
    except (LookupError, ValueError):
        return None


def actor(person: Any = None, label: str = "") -> str:
    """Who acted, in words: a person's name, an API key, the system or nobody known."""
    if person is not None:
        return str(person.display_name)
    label = label or ""
    match = _PERSON.match(label)
    if match:
        found = _model("core.person")
        obj = found._default_manager.filter(pk=int(match.group(1))).first() if found else None
        if obj is not None:
            return str(obj.display_name)  # type: ignore[attr-defined]
        return _("Person no. %(id)s (no longer here)") % {"id": match.group(1)}
    match = _APIKEY.match(label)
    if match:
        return _("API key %(prefix)s…") % {"prefix": match.group(1)}
    if label == "system":
        return _("System")
    if label in ("", "anonymous"):
        return _("Anonymous")
    return label


_APP_NAMES = {
    "analytics": gettext_lazy("Analytics"),
    "core": gettext_lazy("Settings"),
    "evidence": gettext_lazy("Evidence"),
    "experiments": gettext_lazy("Experiments"),
    "feedback": gettext_lazy("Feedback"),
    "market": gettext_lazy("Market"),
    "notifications": gettext_lazy("Notifications"),
    "participation": gettext_lazy("Participation"),
    "people": gettext_lazy("People"),
    "portal": gettext_lazy("Public portal"),
    "portfolio": gettext_lazy("Portfolio"),
    "privacy": gettext_lazy("Data subject rights"),
    "scaling": gettext_lazy("Scaling"),
}


def action_label(code: str) -> str:
    """An audit action in words: "market.challenge_created" → "Market: Challenge created".

    Labels come from `web/audit_actions.py` (every code a service records has one, a test
    walks them); an unknown code (one no longer recorded) is said with its code's words.
    """
    app, _dot, verb = (code or "").partition(".")
    if not verb:
        return capfirst(app.replace("_", " "))
    area = _APP_NAMES.get(app, capfirst(app))
    label = ACTION_LABELS.get(code)
    action = str(label) if label is not None else capfirst(verb.replace("_", " "))
    return _("%(area)s: %(action)s") % {"area": area, "action": action}


# Codes of methods and tools that pages name: said in words.
_TERMS = {
    "use": gettext_lazy("multilingual sentence embeddings"),
    "tfidf": gettext_lazy("word frequencies (TF-IDF)"),
}


def term(code: str) -> str:
    """A method's code in words ("use" → "multilingual sentence embeddings")."""
    return str(_TERMS.get(code, code))


def vocab(code: Any, vocabulary: str) -> str:
    """A code of a named set of choices in words: ``vocab("sms", "experiments.Channel")``.

    ``vocabulary`` is ``<app label>.<TextChoices class in its models module>``.
    """
    app_label, _dot, name = vocabulary.partition(".")
    try:
        module = apps.get_app_config(app_label).models_module
    except LookupError:
        return str(code)
    choices = getattr(module, name, None)
    labels = dict(getattr(choices, "choices", []) or [])
    return str(labels.get(code, code))


def model_name(model_label: str) -> str:
    """The translated name of a model ("core.apikey" → "API key")."""
    model = _model(model_label)
    if model is None:
        return capfirst(model_label.rpartition(".")[2].replace("_", " "))
    return capfirst(str(model._meta.verbose_name))


def object_names(refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each referenced object's own name, looked up in one query per model."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in refs:
        if object_type and object_id:
            by_type[object_type].add(object_id)
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in by_type.items():
        model = _model(object_type)
        if model is None:
            continue
        pks = [int(i) for i in ids if i.isdigit()]
        for obj in model._default_manager.filter(pk__in=pks):
            text = str(getattr(obj, "display_name", None) or obj)
            if text and not text.startswith(f"{model.__name__} object"):
                names[(object_type, str(obj.pk))] = text
    return names


def object_label(
    object_type: str, object_id: str = "", names: dict[tuple[str, str], str] | None = None
) -> str:
    """An object reference in words: "API key “CI pipeline”", else "API key no. 2"."""
    if not object_type:
        return "–"
    kind = model_name(object_type)
    name = (names or {}).get((object_type, str(object_id)))
    if name:
        return _("%(kind)s “%(name)s”") % {"kind": kind, "name": name}
    if object_id:
        return _("%(kind)s no. %(id)s") % {"kind": kind, "id": object_id}
    return kind


def field_label(model_label: str | None, field_name: str) -> str:
    """A field's translated verbose name, or its name in words when it is not a model field."""
    model = _model(model_label) if model_label else None
    name = field_name[:-3] if field_name.endswith("_id") else field_name
    if model is not None:
        try:
            field = model._meta.get_field(name)
            return capfirst(str(getattr(field, "verbose_name", name.replace("_", " "))))
        except FieldDoesNotExist:
            pass
    return capfirst(name.replace("_", " "))


def choice_label(model_label: str, field_name: str, code: Any) -> str:
    """The translated label of a stored choice code (the code itself if it is not a choice)."""
    model = _model(model_label)
    if model is None:
        return str(code)
    try:
        choices = getattr(model._meta.get_field(field_name), "flatchoices", None) or []
    except FieldDoesNotExist:
        return str(code)
    return str(dict(choices).get(code, code))


def _value(model_label: str | None, field_name: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(None, str(k))}: {_value(None, str(k), v)}"
            for k, v in sorted(value.items())  # PostgreSQL's jsonb keeps no key order
        )
    if isinstance(value, list):
        return ", ".join(_value(None, field_name, v) for v in value)
    if model_label and isinstance(value, str):
        return choice_label(model_label, field_name, value)
    return str(value)


def changes(
    model_label: str | None, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The recorded before and after side by side, one row per field, changed fields marked."""
    before, after = before or {}, after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        rows.append(
            {
                "field": field_label(model_label, key),
                "before": _value(model_label, key, old) if key in before else "–",
                "after": _value(model_label, key, new) if key in after else "–",
                "changed": key in before and key in after and old != new,
                "added": key not in before,
                "removed": key not in after,
            }
        )
    return rows


# The note beside a label shown in a language other than the reader's.
_LANGUAGE_NOTES = {"en": gettext_lazy("(in English)"), "es": gettext_lazy("(in Spanish)")}


def theme_label(theme: Any, *, plain: bool = False) -> Markup:
    """A feedback theme's label for the reader, never a mix of languages they did not choose.

    A theme keeps a label per language of its comments (`feedback.Theme.labels`, most comments
    first). The reader's language's label is shown when the theme has comments in it; else the
    label of the theme's main language, marked with its language (``lang`` and a note such as
    "(in Spanish)"): no label is machine-translated. A label a person wrote is shown as written.
    ``plain``: text only, for an ``<option>`` (which cannot hold a ``lang`` span).
    """
    get = (
        theme.get
        if isinstance(theme, dict)
        else lambda key, default=None: getattr(theme, key, default)
    )
    entries = [e for e in get("labels") or [] if isinstance(e, dict) and e.get("label")]
    reader = (translation.get_language() or "en").split("-")[0]
    for entry in entries:
        if entry.get("language") == reader:
            return escape(str(entry["label"]))
    if not entries:
        return escape(str(get("label", "") or ""))
    language = str(entries[0].get("language") or "")
    note = _LANGUAGE_NOTES.get(language)
    note_text = str(note) if note is not None else _("(in %(language)s)") % {"language": language}
    if plain:
        return escape(f"{entries[0]['label']} {note_text}")
    return Markup('<span lang="{}">{}</span> <span class="govuk-body-s">{}</span>').format(
        language, str(entries[0]["label"]), note_text
    )
