"""The open-data catalogue, one data card per dataset, and the portal's own downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from civicloop.portal import datasets, exports
from civicloop.portal.views._common import base_url, ld_script, public_page
from civicloop.web.exports import csv_response, json_response


@public_page
def catalogue(request: HttpRequest) -> HttpResponse:
    modified = datasets.modified_dates()
    return render(
        request,
        "portal/catalogue.html",
        {
            "page_title": _("Open data"),
            "cards": datasets.CARDS,
            "modified": modified,
            "ld": ld_script(datasets.dcat_catalog(base=base_url(request), modified=modified)),
        },
    )


@public_page
def dataset(request: HttpRequest, slug: str) -> HttpResponse:
    card = datasets.card_get(slug)
    return render(
        request,
        "portal/dataset.html",
        {
            "page_title": card.title,
            "card": card,
            "publisher": datasets.publisher_name(),
            "modified": datasets.modified_dates()[card.slug],
        },
    )


@public_page
def dataset_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    if slug not in exports.DATASETS or fmt not in ("json", "csv"):
        raise Http404("Not found")
    columns, rows_of = exports.DATASETS[slug]
    rows = rows_of()
    if fmt == "json":
        return json_response(f"{slug}.json", rows)
    return csv_response(f"{slug}.csv", columns, ([row.get(c) for c in columns] for row in rows))
