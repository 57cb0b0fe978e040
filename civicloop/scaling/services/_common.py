"""What the scaling services share: who acted, and the 1-5 rating rule."""

from __future__ import annotations

from civicloop.core.models import Person
from civicloop.core.permissions import Principal


def person_of(actor: Principal) -> Person | None:
    """The person who acted (None for an API key or the system)."""
    return actor.person


def rating_check(errors: dict, name: str, value: int | None, low: int = 1, high: int = 5) -> None:
    if value is None or not low <= value <= high:
        errors[name] = f"{name.capitalize()} must be a whole number from {low} to {high}."
