"""What every public page of the portal shares: the cache headers and the JSON-LD helper."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from markupsafe import Markup

# Public pages may be kept by browsers and shared caches for a short time: an unpublished
# object disappears from every cache within this many seconds.
PUBLIC_MAX_AGE = 300


Answer = TypeVar("Answer", bound=HttpResponseBase)


def public_page(view: Callable[..., Answer]) -> Callable[..., Answer]:
    """Mark a public view's successful answers cacheable (public, short max-age).

    The page depends on the language only (Accept-Language, or the language cookie), never on
    who is signed in: the portal's layout reads no session and sets no cookie.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Answer:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapped


def base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def ld_script(data: dict[str, Any]) -> Markup:
    """JSON-LD safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above
