from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from civicloop.core.http import principal

    return {
        "site_name": settings.CIVICLOOP["SITE_NAME"],
        "viewer": principal(request),
        "languages": settings.LANGUAGES,
    }
