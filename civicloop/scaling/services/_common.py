"""What the scaling services share: the 1-5 rating rule."""

from __future__ import annotations


def rating_check(errors: dict, name: str, value: int | None, low: int = 1, high: int = 5) -> None:
    if value is None or not low <= value <= high:
        errors[name] = f"{name.capitalize()} must be a whole number from {low} to {high}."
