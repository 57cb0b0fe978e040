"""Build OCDS 1.1.5 releases and a release package, and validate them offline.

One contracting process (ocid) per challenge; its release carries the tender (with bid
statistics from the bids extension), awards and contracts known now. Parties carry
`details.scale` (sme / large) as the partyScale extension defines. Sealed content is never
published: only counts, awarded amounts and the suppliers of awards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

SCHEMA_DIR = Path(__file__).parent / "schema"
OCDS_VERSION = "1.1"
BIDS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/"
    "extension.json"
)
SCALE_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_partyScale_extension/"
    "v1.1.5/extension.json"
)
TENDER_STATUS = {
    "draft": "planning",
    "consultation": "planning",
    "open": "active",
    "evaluation": "active",
    "awarded": "complete",
    "cancelled": "cancelled",
}


def ocid_prefix() -> str:
    return getattr(settings, "CIVICLOOP", {}).get("OCID_PREFIX", "ocds-c1vlp0")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _date(value) -> str:
    return (
        datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    )


def _amount(value: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": float(value), "currency": currency}


def _party(org, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {"id": f"civicloop-org-{org.pk}", "name": org.name, "roles": roles}
    if org.kind == "company" and org.sme_size:
        party["details"] = {"scale": "large" if org.sme_size == "large" else "sme"}
    if org.country:
        party["address"] = {"countryName": org.country}
    return party


def challenge_release(challenge) -> dict[str, Any]:
    """The current release of one challenge's contracting process."""
    from civicloop.market.selectors import COUNTED_STATUSES

    ocid = f"{ocid_prefix()}-{challenge.pk}"
    phases = sorted(challenge.phases.all(), key=lambda p: p.order)
    proposals = [p for p in challenge.proposals.all() if p.status in COUNTED_STATUSES]
    awards = list(challenge.awards.all())
    tender = _tender(challenge, ocid, phases)
    tags = ["tender"]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{int(challenge.updated_at.timestamp())}",
        "date": _iso(challenge.updated_at),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": f"civicloop-org-{challenge.unit_id}", "name": challenge.unit.name},
        "tender": tender,
    }
    if challenge.seal_lifted(timezone.now()):
        # Counts only after the deadline: before it, even the number could steer bidders.
        tender["numberOfTenderers"] = len(proposals)
        sme_bids = sum(1 for p in proposals if p.vendor.sme_size in ("micro", "small", "medium"))
        release["bids"] = {
            "statistics": [
                {"id": "1", "measure": "bids", "value": len(proposals)},
                {"id": "2", "measure": "smeBids", "value": sme_bids},
            ]
        }
    if awards:
        tags.append("award")
        release["awards"] = [_award(a) for a in awards]
        contracts = [a.contract for a in awards if hasattr(a, "contract")]
        if contracts:
            tags.append("contract")
            release["contracts"] = [_contract(c) for c in contracts]
    release["parties"] = _parties(challenge, awards)
    return release


def _parties(challenge, awards) -> list[dict[str, Any]]:
    """The buyer, and each awarded vendor as tenderer and supplier."""
    parties: dict[int, dict[str, Any]] = {
        challenge.unit_id: _party(challenge.unit, ["buyer", "procuringEntity"])
    }
    for award in awards:
        vendor = award.proposal.vendor
        parties.setdefault(vendor.pk, _party(vendor, []))
        for role in ("tenderer", "supplier"):
            if role not in parties[vendor.pk]["roles"]:
                parties[vendor.pk]["roles"].append(role)
    return list(parties.values())


def _award(a) -> dict[str, Any]:
    return {
        "id": f"award-{a.pk}",
        "title": f"{a.proposal.phase.get_kind_display()} phase",
        "description": a.rationale,
        "status": "active",
        "date": _iso(a.decided_at),
        "value": _amount(a.amount, a.currency),
        "suppliers": [
            {"id": f"civicloop-org-{a.proposal.vendor_id}", "name": a.proposal.vendor.name}
        ],
    }


def _tender(challenge, ocid: str, phases) -> dict[str, Any]:
    budget = sum((p.budget for p in phases), Decimal(0))
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": challenge.title,
        "description": challenge.summary or challenge.title,
        "status": TENDER_STATUS[challenge.status],
        "procuringEntity": {
            "id": f"civicloop-org-{challenge.unit_id}",
            "name": challenge.unit.name,
        },
        "value": _amount(budget, challenge.currency),
        "procurementMethod": "open",
        "procurementMethodDetails": "Innovation challenge (pre-commercial, phased: "
        + ", ".join(p.kind for p in phases)
        + ")",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "; ".join(
            f"{c.name} {c.weight}%" for c in challenge.criteria.all() if c.phase_id is None
        ),
        "submissionMethod": ["electronicSubmission"],
        "hasEnquiries": challenge.questions.exists(),
        "items": [
            {
                "id": str(p.pk),
                "description": f"{p.get_kind_display()} phase: {p.awards_count} award(s)",
                "quantity": p.awards_count,
            }
            for p in phases
        ],
    }
    if challenge.submission_deadline is not None:
        tender["tenderPeriod"] = {
            "startDate": _iso(challenge.published_at),
            "endDate": _iso(challenge.submission_deadline),
        }
    return tender


def _contract(c) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f"contract-{c.pk}",
        "awardID": f"award-{c.award_id}",
        "title": c.title,
        "status": "active"
        if c.status == "active"
        else ("terminated" if c.status == "terminated" else "pending"),
        "value": _amount(c.value, c.currency),
        "period": {"startDate": _date(c.starts_on), "endDate": _date(c.ends_on)},
        "dateSigned": _date(c.signed_on),
    }
    milestones = list(c.milestones.all())
    if milestones:
        out["milestones"] = [
            {
                "id": f"milestone-{m.pk}",
                "title": m.title,
                "type": "delivery",
                "dueDate": _date(m.due_on),
                "status": m.status,
            }
            for m in milestones
        ]
    payments = list(c.payments.all())
    if payments:
        out["implementation"] = {
            "transactions": [
                {
                    "id": f"payment-{p.pk}",
                    "source": "",
                    "date": _date(p.paid_on),
                    "value": _amount(p.amount, c.currency),
                    "payer": {
                        "id": f"civicloop-org-{c.award.challenge.unit_id}",
                        "name": c.award.challenge.unit.name,
                    },
                    "payee": {
                        "id": f"civicloop-org-{c.award.proposal.vendor_id}",
                        "name": c.award.proposal.vendor.name,
                    },
                }
                for p in payments
            ]
        }
        for tx in out["implementation"]["transactions"]:
            tx.pop("source")
    return out


def published_challenges():
    from civicloop.market.models import PUBLIC_STATUSES, Award, Challenge, Contract

    return (
        Challenge.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("unit")
        .prefetch_related(
            "phases",
            "criteria",
            "proposals__vendor",
            Prefetch(
                "awards",
                queryset=Award.objects.select_related(
                    "proposal__vendor", "proposal__phase"
                ).prefetch_related(
                    Prefetch(
                        "contract",
                        queryset=Contract.objects.prefetch_related("milestones", "payments"),
                    )
                ),
            ),
        )
        .order_by("pk")
    )


def release_package(
    *, uri: str = "https://civicloop.invalid/api/v1/open-data/ocds/release-package.json"
) -> dict[str, Any]:
    """Every published challenge as an OCDS 1.1.5 release package."""
    releases = [challenge_release(c) for c in published_challenges()]
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [BIDS_EXTENSION, SCALE_EXTENSION],
        "publishedDate": _iso(timezone.now()),
        "publisher": {"name": getattr(settings, "CIVICLOOP", {}).get("SITE_NAME", "CivicLoop")},
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "publicationPolicy": "https://civicloop.invalid/docs/market/",
        "releases": releases,
    }


@cache
def _schemas() -> tuple[dict, dict]:
    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    package = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    return release, package


def validation_errors(package: dict[str, Any]) -> list[str]:
    """Schema errors of a release package, resolving `$ref`s to the local copies only."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release, package_schema = _schemas()
    registry = Registry().with_resources(
        [
            (release["id"], Resource.from_contents(release, default_specification=DRAFT4)),
            (
                package_schema["id"],
                Resource.from_contents(package_schema, default_specification=DRAFT4),
            ),
        ]
    )
    validator = Draft4Validator(package_schema, registry=registry, format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(package)
    ]
