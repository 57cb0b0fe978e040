"""The Jinja2 environment: GOV.UK Frontend macros, Django helpers and translations."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, translation
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    pass_context,
)
from markupsafe import Markup, escape

from civicloop.core import timezones
from civicloop.web import labels, numbers
from civicloop.web.charts import localise_spec
from civicloop.web.navigation import main_nav
from civicloop.web.pagination import page_links


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = urlencode(list(params.lists()), doseq=True)
    return f"?{encoded}" if encoded else "?"


def number(value: Any, places: int | None = None) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal | float | int):
        if places is None:
            places = 0 if float(value) == int(float(value)) else 2
        return formats.number_format(
            round(float(value), places), places, use_l10n=True, force_grouping=True
        )
    return str(value)


def _sig(value: Any, digits: int = 3, *, sign: bool = False) -> str:
    """`numbers.significant` as a filter: ``x|sig(3, sign=True)`` for ``"%+.3g"|format(x)``."""
    if value is None or value == "":
        return "–"
    return numbers.significant(float(value), digits, sign=sign)


def _signed(value: Any, places: int = 2) -> str:
    """`numbers.signed` as a filter: ``x|signed(2)`` for ``"%+.2f"|format(x)``."""
    if value is None or value == "":
        return "–"
    return numbers.signed(float(value), places)


def percent(value: Any, places: int = 1, *, signed: bool = False) -> str:
    """A share (0.5) as a percentage in the active language's way: "50.0%", "50,0 %"."""
    if value is None or value == "":
        return "–"
    locale = Locale.parse(_babel_locale())
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (places, places)
    text = pattern.apply(float(value), locale)
    return f"+{text}" if signed and float(value) > 0 else text


def _babel_locale() -> str:
    return (translation.get_language() or "en").replace("-", "_")


def datefmt(value: date | datetime | None, fmt: str = "j M Y") -> str:
    """A date, or a date and time in the viewer's zone with its abbreviation ("14:00 CET")."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return timezones.format_datetime(value)
    return formats.date_format(value, fmt)


_CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def code_names(text: Any) -> Markup:
    """Hint text with the names people type as they are (CSV columns such as ``submitted_at``)
    set as code, so they read as names to copy and not as words; everything else escaped."""
    escaped = str(escape(text))
    return Markup(_CODE_NAME.sub(lambda m: f"<code>{m.group(0)}</code>", escaped))  # noqa: S704


def tojson_script(value: Any) -> Markup:
    """JSON safe to put inside <script type="application/json">."""
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))  # noqa: S704 - escaped above


# Filters an app above `web` lends to every template, registered from its AppConfig.ready()
# (web may not import those apps): e.g. experiments' `warning_text`.
APP_FILTERS: dict[str, Any] = {}


def environment(**options: Any) -> Environment:
    app_loader = options.pop("loader", None)
    loaders: list[BaseLoader] = [
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    ]
    env = Environment(**options)  # noqa: S701 - autoescape is set in TEMPLATES OPTIONS
    if app_loader is not None:
        loaders.insert(0, app_loader)
    elif env.loader is not None:
        loaders.insert(0, env.loader)
    env.loader = ChoiceLoader(loaders)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        {
            "static": static,
            "url": url,
            "query": query,
            "page_links": page_links,
            "get_messages": get_messages,
            "get_language": translation.get_language,
            "main_nav": main_nav,
            "actor": labels.actor,
            "action_label": labels.action_label,
            "object_label": labels.object_label,
            "field_label": labels.field_label,
            "choice_label": labels.choice_label,
            "model_name": labels.model_name,
            "term": labels.term,
            "vocab": labels.vocab,
            "theme_label": labels.theme_label,
        }
    )
    env.filters.update(
        {
            "number": number,
            "sig": _sig,
            "signed": _signed,
            "percent": percent,
            "datefmt": datefmt,
            "tojson_script": tojson_script,
            "chart_spec": localise_spec,
            "code_names": code_names,
            "vocab": labels.vocab,
            **APP_FILTERS,
        }
    )
    return env
