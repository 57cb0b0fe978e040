"""System checks of the analytics app (`civicloop check`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

from civicloop.analytics.store.tenants import legacy_source


@register("civicloop")
def legacy_event_store(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A store created before organisations is read by nobody until a unit adopts it."""
    config: dict[str, Any] = settings.CIVICLOOP
    root = Path(config["EVENT_STORE_DIR"])
    if legacy_source(root) is None:
        return []
    return [
        Warning(
            f"The event store in {root} was created before events had an organisation; no "
            "experiment reads it until a unit adopts it.",
            hint="Stop the worker, then run `civicloop events adopt-legacy --org SLUG` "
            "(docs/analytics/store.md).",
            id="civicloop.W101",
        )
    ]
