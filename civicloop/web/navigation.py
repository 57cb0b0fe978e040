"""The main menu, built from what the viewer may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from civicloop.core.http import principal
from civicloop.core.permissions import Ability


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    active: bool


# (url name, label, path prefix that marks it active, ability needed in some unit or agency);
# apps add theirs here as they land.
MENU: list[tuple[str, str, str, Ability | None]] = [
    ("portfolio:list", "Portfolio", "/portfolio/", Ability.VIEW_PORTFOLIO),
    ("market:home", "Market", "/market/", None),
    ("experiments:home", "Experiments", "/experiments/", Ability.VIEW_PORTFOLIO),
    ("feedback:home", "Feedback", "/feedback/", Ability.VIEW_PORTFOLIO),
    ("evidence:home", "Evidence", "/evidence/", Ability.VIEW_PORTFOLIO),
    ("scaling:home", "Scaling", "/scaling/", Ability.VIEW_PORTFOLIO),
    ("portal:staff_summaries", "Public summaries", "/public/manage/", Ability.MANAGE_EXPERIMENTS),
    ("people:list", "People", "/people/", Ability.MANAGE_PEOPLE),
    ("participation:staff_queue", "Citizens' proposals", "/participate/", Ability.EDIT_PORTFOLIO),
    ("core:api_keys", "API keys", "/settings/api-keys/", Ability.MANAGE_API_KEYS),
    ("core:audit_log", "Audit log", "/audit/", Ability.VIEW_AUDIT),
    (
        "privacy:requests",
        "Data subject requests",
        "/settings/data-subject-requests/",
        Ability.MANAGE_DATA_SUBJECTS,
    ),
    ("privacy:my_data", "Your data", "/settings/my-data/", None),
]


def main_nav(request: HttpRequest) -> list[NavItem]:
    viewer = principal(request)
    items = []
    for name, label, prefix, ability in MENU:
        if prefix.startswith("/settings/") and not viewer.is_authenticated:
            continue
        if ability is not None and not (
            viewer.units_with(ability) or viewer.agencies_with(ability)
        ):
            continue
        try:
            href = reverse(name)
        except NoReverseMatch:
            continue
        items.append(NavItem(_(label), href, request.path.startswith(prefix)))
    return items
