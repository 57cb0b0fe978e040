"""What the scaling services share: the 1-5 rating rule."""

from __future__ import annotations

from django.utils.translation import gettext as _


def rating_check(errors: dict, name: str, value: int | None, low: int = 1, high: int = 5) -> None:
    if value is None or not low <= value <= high:
        errors[name] = _("Enter a whole number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
