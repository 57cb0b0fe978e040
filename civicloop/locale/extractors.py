"""Babel extraction method for the few Django templates (the allauth pages).

Babel reads Python and Jinja2 itself (see ``babel.cfg``). Django templates are turned into
gettext calls by Django's own ``templatize`` (what ``makemessages`` feeds to xgettext) and the
result is read by Babel's Python extractor, so ``{% translate %}`` and ``{% blocktranslate %}``
are extracted exactly as Django would.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python


def extract_django(
    fileobj: IO[bytes],
    keywords: Any,  # Babel's keyword specs, passed on as they are
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[tuple[Any, ...]]:
    """Yield the translatable strings of one Django template, as Babel expects."""
    from django.utils.translation.template import templatize

    encoding = options.get("encoding", "utf-8")
    python_source = templatize(fileobj.read().decode(encoding))
    yield from extract_python(
        io.BytesIO(python_source.encode(encoding)), keywords, comment_tags, options
    )
