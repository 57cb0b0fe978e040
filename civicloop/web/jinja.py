"""The Jinja2 environment: GOV.UK Frontend macros, Django helpers and translations."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone, translation
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    pass_context,
)
from markupsafe import Markup

from civicloop.web.navigation import main_nav


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


def datefmt(value: date | datetime | None, fmt: str = "j M Y") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(value, "j M Y, H:i")
    return formats.date_format(value, fmt)


def tojson_script(value: Any) -> Markup:
    """JSON safe to put inside <script type="application/json">."""
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))  # noqa: S704 - escaped above


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
            "get_messages": get_messages,
            "get_language": translation.get_language,
            "main_nav": main_nav,
        }
    )
    env.filters.update({"number": number, "datefmt": datefmt, "tojson_script": tojson_script})
    return env
