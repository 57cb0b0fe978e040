"""Pagination for list pages: one helper so every long list pages the same way.

Offset pagination over Django's Paginator: `page_of(request, items)` returns the page the
request's `?page=` names (the last page for a number past the end, the first for nonsense),
50 items a page. Give it a queryset ordered by an indexed key so the count and each page's
slice stay single indexed queries; the template include `includes/pagination.html` renders
the govuk-frontend pagination component, keeping the page's other query parameters (its
filters and sort) in every link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(
    request: HttpRequest, items: QuerySet[Any] | Sequence[Any], per_page: int = PAGE_SIZE
) -> Page:
    """The page of `items` named by the request's `page` parameter."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def page_links(page: Page) -> list[int | None]:
    """Page numbers to link around the current one; None marks an ellipsis."""
    ellipsis = Paginator.ELLIPSIS
    return [
        None if n == ellipsis else int(n)
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
