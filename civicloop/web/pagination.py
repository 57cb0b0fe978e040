"""Pagination for list pages: one helper so every long list pages the same way.

Offset pagination over Django's Paginator: `page_of(request, items)` returns the page the
request's `?page=` names (the last page for a number past the end, the first for nonsense),
50 items a page. Give it a queryset ordered by an indexed key so the count and each page's
slice stay single indexed queries; the template include `includes/pagination.html` renders
the govuk-frontend pagination component, keeping the page's other query parameters (its
filters and sort) in every link.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[Any],
    per_page: int = PAGE_SIZE,
    page_param: str = "page",
) -> Page:
    """The page of `items` named by the request's `page` parameter (or `page_param`, for a
    page that shows several lists)."""
    return Paginator(items, per_page).get_page(request.GET.get(page_param))


def page_links(page: Page) -> list[int | None]:
    """Page numbers to link around the current one; None marks an ellipsis."""
    ellipsis = Paginator.ELLIPSIS
    return [
        None if n == ellipsis else int(n)
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list ordered newest first by a unique integer key.

    `newer` and `older` are the keys to continue from (None at either end); `items` is the page,
    newest first. Every page, the last included, is one indexed range query of `per_page + 1`
    rows: no count and no offset, so reading the oldest events costs what reading the newest does.
    """

    items: list[Any]
    newer: int | None
    older: int | None

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def _key_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def keyset_page(
    request: HttpRequest, items: QuerySet[Any], key: str, per_page: int = PAGE_SIZE
) -> KeysetPage:
    """The page of `items` (any order; paged newest first by the integer field `key`).

    The request names it by `?before=K` (the page of items older than K), `?after=K` (newer than
    K) or `?oldest=1` (the last page); without them it is the newest page.
    """
    before, after = _key_param(request, "before"), _key_param(request, "after")
    descending = items.order_by(f"-{key}")
    if after is not None or request.GET.get("oldest"):
        ascending = items.order_by(key)
        if after is not None:
            ascending = ascending.filter(**{f"{key}__gt": after})
        rows = list(ascending[: per_page + 1])
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        newer = getattr(rows[0], key) if rows and more_newer else None
        older_exists = (
            bool(rows) and descending.filter(**{f"{key}__lt": getattr(rows[-1], key)}).exists()
        )
        older = getattr(rows[-1], key) if older_exists else None
        return KeysetPage(rows, newer, older)
    if before is not None:
        descending = descending.filter(**{f"{key}__lt": before})
    rows = list(descending[: per_page + 1])
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    older = getattr(rows[-1], key) if rows and more_older else None
    newer = (
        getattr(rows[0], key)
        if rows
        and before is not None
        and items.filter(**{f"{key}__gt": getattr(rows[0], key)}).exists()
        else None
    )
    return KeysetPage(rows, newer, older)
