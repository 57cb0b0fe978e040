"""The open-data catalogue: one data card per open dataset, and its DCAT-AP description.

A data card says what the dataset is, who publishes it, under which licence, how often it
changes, its fields and its known gaps, and where to download it. The catalogue page lists the
cards and carries the same content as DCAT-AP JSON-LD (dcat:Catalog → dcat:Dataset →
dcat:Distribution with dcat:mediaType, dct:license, dct:publisher and dct:modified), so
national portals (data.europa.eu and its harvesters) can read it.

The datasets: the published problems with their KPIs, the OCDS release package of the market,
the sandbox registry and the "you said, we did" summaries. The redacted feedback export is not
listed: it is a unit's own export (signed in), not an open dataset, until a public route for
it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicloop.market import selectors as market_selectors
from civicloop.portal import selectors
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.scaling import selectors as scaling_selectors

CC_BY = ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0")
CC0 = ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0")
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Distribution:
    title: str | Promise
    route: str  # URL name; reversed with `args`
    media_type: str  # IANA media type, e.g. application/json
    format: str  # short name shown to people: JSON, CSV
    args: tuple[Any, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.route, args=self.args or None)


@dataclass(frozen=True)
class DataField:
    name: str
    type: str
    description: str | Promise


@dataclass(frozen=True)
class DataCard:
    slug: str
    title: str | Promise
    what: str | Promise
    who: str | Promise
    licence: tuple[str, str]
    frequency: str  # EU frequency authority code (CONT, DAILY, WEEKLY, …)
    frequency_label: str | Promise
    fields: list[DataField]
    gaps: list[str | Promise]
    distributions: list[Distribution] = field(default_factory=list)


def _d(slug: str) -> list[Distribution]:
    return [
        Distribution(
            _("JSON download"),
            "portal:dataset_download",
            "application/json",
            "JSON",
            (slug, "json"),
        ),
        Distribution(
            _("CSV download"), "portal:dataset_download", "text/csv", "CSV", (slug, "csv")
        ),
    ]


CARDS: list[DataCard] = [
    DataCard(
        slug="problems",
        title=_("Public problems and their KPIs"),
        what=_(
            "The problems transformation units chose to publish: statement, affected groups, stage, and each KPI with its baseline, target and latest measurement."
        ),
        who=_("The transformation units that own the problems; published by this installation."),
        licence=CC_BY,
        frequency="CONT",
        frequency_label=_(
            "Continuously: a problem appears when its unit publishes it, a KPI changes when a measurement is recorded."
        ),
        fields=[
            DataField("problem_id", "integer", _("Stable identifier of the problem.")),
            DataField("title", "text", _("Short title of the problem.")),
            DataField("statement", "text", _("The problem as the unit frames it.")),
            DataField(
                "stage",
                "code",
                _(
                    "identified, framed, exploring, experimenting, scaling, closed_solved or closed_abandoned."
                ),
            ),
            DataField(
                "target_groups",
                "text",
                _("The groups the problem affects, separated by semicolons."),
            ),
            DataField("kpi", "text", _("Name of the KPI (one row per KPI in CSV).")),
            DataField("kpi_unit", "text", _("Unit of the KPI's values (%, days, EUR…).")),
            DataField(
                "baseline_value, baseline_date",
                "decimal, date",
                _("The value before the work started, and when it was measured."),
            ),
            DataField(
                "target_value, target_date",
                "decimal, date",
                _("The value the unit aims for, and by when."),
            ),
            DataField(
                "latest_value, latest_date", "decimal, date", _("The latest measurement, if any.")
            ),
        ],
        gaps=[
            _("Only problems a unit chose to publish; the portfolio holds more."),
            _("Prioritisation scores, causes and the people involved are never published."),
            _("A KPI without measurements has an empty latest value."),
        ],
        distributions=_d("problems"),
    ),
    DataCard(
        slug="ocds",
        title=_("Open contracting data (OCDS)"),
        what=_(
            "Every published innovation challenge as an OCDS 1.1.5 release: tender, bid statistics, awards, contracts and the size class of each party."
        ),
        who=_("The transformation units that run the challenges; published by this installation."),
        licence=CC0,
        frequency="CONT",
        frequency_label=_(
            "Continuously: a release changes when a challenge is published, changed, awarded or contracted."
        ),
        fields=[
            DataField("ocid", "text", _("Open contracting identifier of the challenge.")),
            DataField(
                "tender", "object", _("Title, description, value, periods and status of the call.")
            ),
            DataField(
                "bids.statistics",
                "array",
                _("How many proposals were received (never their content)."),
            ),
            DataField("awards", "array", _("Winner, amount and date of each award.")),
            DataField("contracts", "array", _("Signed contracts, their value and period.")),
            DataField(
                "parties", "array", _("Buyer and suppliers, with the EU SME size class when known.")
            ),
        ],
        gaps=[
            _("Proposals' content and prices of unsuccessful bids are not published."),
            _(
                "Draft challenges are not included; the package is empty (404) until one is published."
            ),
        ],
        distributions=[
            Distribution(
                _("OCDS release package"),
                "api:get_ocds_release_package",
                "application/json",
                "JSON",
            ),
        ],
    ),
    DataCard(
        slug="sandboxes",
        title=_("Regulatory sandbox registry"),
        what=_(
            "Time-boxed tests of services that current rules do not allow: the rule waived or relaxed, the regulator, safeguards, dates, status, reports and learnings."
        ),
        who=_(
            "The transformation units that run the sandboxes, with their regulators; published by this installation."
        ),
        licence=CC_BY,
        frequency="CONT",
        frequency_label=_(
            "Continuously: an entry changes when a sandbox is agreed, extended, reported on or ended."
        ),
        fields=[
            DataField("slug", "text", _("Stable identifier of the sandbox.")),
            DataField("title", "text", _("Name of the sandbox.")),
            DataField("public_summary", "text", _("What is tested, in plain words.")),
            DataField("regulator", "text", _("The authority that agreed the sandbox.")),
            DataField(
                "rule_waived, relaxation, safeguards",
                "text",
                _(
                    "What the sandbox may do that the rules do not allow, and the protections in place."
                ),
            ),
            DataField(
                "starts_on, ends_on",
                "date",
                _("The agreed period (ends_on includes any extension)."),
            ),
            DataField("status", "code", _("active, extended or exited.")),
        ],
        gaps=[
            _("Applications that were not agreed are not listed."),
            _("Participants are described as groups, never by name."),
        ],
        distributions=[
            *_d("sandboxes"),
            Distribution(
                _("Registry API (JSON, paginated)"),
                "api:list_public_sandboxes",
                "application/json",
                "JSON",
            ),
        ],
    ),
    DataCard(
        slug="results",
        title=_("You said, we did: results of finished iterations"),
        what=_(
            "For each decided iteration a unit published: what citizens said (themes and counts), what was tried, what it changed, and the measured effect with its interval and unit."
        ),
        who=_(
            "The transformation units that ran the iterations; each summary is edited and published by the unit's staff."
        ),
        licence=CC_BY,
        frequency="CONT",
        frequency_label=_("Continuously: a summary appears when a unit publishes it."),
        fields=[
            DataField("summary_id", "integer", _("Stable identifier of the summary.")),
            DataField("service", "text", _("The public service that was changed.")),
            DataField(
                "said",
                "text",
                _("What citizens said, with the number of responses and the largest themes."),
            ),
            DataField("tried, changed", "text", _("What was tried, and what the unit decided.")),
            DataField("effect_estimate", "number", _("The measured effect of the change.")),
            DataField(
                "effect_ci_low, effect_ci_high", "number", _("The interval around the effect.")
            ),
            DataField("confidence", "number", _("The interval's confidence level, e.g. 0.95.")),
            DataField("effect_unit", "text", _("The unit of the effect and its interval.")),
            DataField("published_at", "datetime", _("When the unit published the summary.")),
        ],
        gaps=[
            _("Only iterations whose summary a unit published; drafts are never included."),
            _("Feedback is summarised as themes and counts; no comment is quoted."),
            _("An iteration without a measured effect has empty effect fields."),
        ],
        distributions=_d("results"),
    ),
]
CARDS_BY_SLUG = {card.slug: card for card in CARDS}


def card_get(slug: str) -> DataCard:
    from django.http import Http404

    card = CARDS_BY_SLUG.get(slug)
    if card is None:
        raise Http404("Not found")
    return card


def modified_dates() -> dict[str, datetime | None]:
    """When each dataset last changed (one aggregate query per dataset)."""
    return {
        "problems": portfolio_selectors.problem_list_public().aggregate(m=Max("updated_at"))["m"],
        "ocds": market_selectors.challenge_list_public().aggregate(m=Max("updated_at"))["m"],
        "sandboxes": scaling_selectors.sandbox_public_list().aggregate(m=Max("updated_at"))["m"],
        "results": selectors.summary_list_public().aggregate(m=Max("updated_at"))["m"],
    }


def publisher_name() -> str:
    return str(settings.CIVICLOOP["SITE_NAME"])


def dcat_catalog(*, base: str, modified: dict[str, datetime | None]) -> dict[str, Any]:
    """The catalogue as DCAT-AP JSON-LD; `base` is the site's scheme and host."""
    publisher = {"@type": "foaf:Agent", "foaf:name": publisher_name()}
    datasets = [_dcat_dataset(card, base, publisher, modified.get(card.slug)) for card in CARDS]
    latest = max((m for m in modified.values() if m is not None), default=None)
    catalog: dict[str, Any] = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": base + reverse("portal:catalogue"),
        "@type": "dcat:Catalog",
        "dct:title": str(_("Open data")),
        "dct:description": str(_("The open datasets published by this installation of CivicLoop.")),
        "dct:publisher": publisher,
        "dcat:dataset": datasets,
    }
    if latest is not None:
        catalog["dct:modified"] = _datetime(latest)
    return catalog


def _datetime(value: datetime) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"}


def _dcat_dataset(
    card: DataCard, base: str, publisher: dict[str, Any], modified: datetime | None
) -> dict[str, Any]:
    landing = base + reverse("portal:dataset", args=[card.slug])
    dataset: dict[str, Any] = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:title": str(card.title),
        "dct:description": str(card.what),
        "dct:publisher": publisher,
        "dct:license": {"@id": card.licence[0]},
        "dct:accrualPeriodicity": {"@id": FREQUENCY + card.frequency},
        "dcat:landingPage": {"@id": landing},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": str(d.title),
                "dcat:accessURL": {"@id": base + d.url},
                "dcat:downloadURL": {"@id": base + d.url},
                "dcat:mediaType": {"@id": MEDIA_TYPE + d.media_type},
                "dct:format": d.format,
                "dct:license": {"@id": card.licence[0]},
            }
            for d in card.distributions
        ],
    }
    if modified is not None:
        dataset["dct:modified"] = _datetime(modified)
    return dataset
