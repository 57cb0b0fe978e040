"""Open contracting data: the public OCDS 1.1.5 release package of every published challenge."""

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, Router, Schema

from civicloop.market.ocds.build import release_package

router = Router()


class OcdsPublisherOut(Schema):
    name: str


class OcdsReleasePackageOut(Schema):
    """An OCDS release package (https://standard.open-contracting.org/1.1/en/schema/)."""

    uri: str
    version: str
    extensions: list[str]
    published_date: str = Field(..., alias="publishedDate")
    publisher: OcdsPublisherOut
    license: str
    publication_policy: str = Field(..., alias="publicationPolicy")
    releases: list[dict[str, Any]] = Field(
        ..., description="One OCDS release per published challenge (tender, bids, awards)"
    )


@router.get(
    "/open-data/ocds/release-package.json",
    auth=None,
    response=OcdsReleasePackageOut,
    by_alias=True,
    tags=["open data"],
    summary="OCDS 1.1.5 release package of every published challenge",
)
def get_ocds_release_package(request: HttpRequest):
    """Open contracting data: tenders, bid statistics, awards, contracts, party scale.

    Answers 404 until a challenge is published: OCDS packages need at least one release.
    """
    uri = request.build_absolute_uri()
    package = release_package(uri=uri)
    if not package.get("releases"):
        raise Http404("No challenge has been published yet.")
    # The package is built (and validated against the OCDS schema) as it is published; it is
    # sent as built, so its keys keep the standard's spelling.
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})
